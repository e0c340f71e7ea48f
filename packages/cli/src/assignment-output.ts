import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type AssignedSample, formatAssignmentOutput } from '@gencove/core';
import type { Io } from './io.js';

/** `--output` of upload, URL import and run-prefix (spec §6.4): a file, or "-" for stdout. */
export async function writeAssignmentOutput(
  io: Io,
  output: string,
  samples: AssignedSample[],
): Promise<void> {
  const text = formatAssignmentOutput(samples);
  if (output === '-') {
    io.stdout.write(text);
    return;
  }
  await mkdir(dirname(output), { recursive: true });
  await writeFile(output, text);
}
