/**
 * Benchmark-only preload (`node --import ./tuning.mjs …/gencove download …`): overrides the
 * download engine's default transfer tuning with the JSON in BENCH_TUNING, so that the real CLI
 * can be measured with one strategy forced (e.g. `{"singleStreamBytesPerSecond": 0}` = always
 * one stream, `"Infinity"` = always parallel ranged parts). The engine reads DEFAULT_TUNING when a
 * run starts.
 */
import { DEFAULT_TUNING } from '@gencove/core';

// JSON has no Infinity: the string "Infinity" stands for it (always parallel parts).
Object.assign(
  DEFAULT_TUNING,
  JSON.parse(process.env.BENCH_TUNING ?? '{}', (_key, value) =>
    value === 'Infinity' ? Number.POSITIVE_INFINITY : value,
  ),
);
