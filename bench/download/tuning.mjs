/**
 * Benchmark-only preload (`node --import ./tuning.mjs …/gencove download …`): overrides the
 * download engine's default transfer tuning with the JSON in BENCH_TUNING, so that the real CLI
 * can be measured with one strategy forced (e.g. `{"singleStreamBytesPerSecond": 0}` = always
 * one stream, `1e15` = always parallel ranged parts). The engine reads DEFAULT_TUNING when a
 * run starts.
 */
import { DEFAULT_TUNING } from '@gencove/core';

Object.assign(DEFAULT_TUNING, JSON.parse(process.env.BENCH_TUNING ?? '{}'));
