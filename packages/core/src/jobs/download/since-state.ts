import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseGencoveTimestamp } from '../../timestamps.js';
import { DownloadInputError } from './errors.js';
import { unwritableDirectory } from './local-files.js';

/**
 * The `--since <state-file>` file: the newest `last_status.created` among the samples an earlier
 * run delivered completely. The next run selects samples whose status is at or after it
 * (inclusive, so ties are re-checked and then skipped as existing).
 */
export interface SinceState {
  version: 1;
  highWaterMark: string;
  updatedAt: string;
}

/** Reads a state file; undefined when it does not exist yet (first run: no lower bound). */
export async function readSinceState(path: string): Promise<SinceState | undefined> {
  // Found now rather than after a night's download, when only the state would be lost.
  const problem = await unwritableDirectory(dirname(path));
  if (problem) {
    throw new DownloadInputError(
      '--since',
      `The state file ${path} could not be written: ${problem}.`,
    );
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DownloadInputError(
      '--since',
      `Cannot read the state file ${path}: ${(error as Error).message}`,
    );
  }
  try {
    const state = JSON.parse(text) as SinceState;
    if (state?.version === 1 && typeof state.highWaterMark === 'string') {
      parseGencoveTimestamp(state.highWaterMark);
      return state;
    }
  } catch {
    // reported below
  }
  throw new DownloadInputError(
    '--since',
    `The state file ${path} is not a download state file (expected {"version":1,"highWaterMark":"<time>"}); ` +
      'fix or delete it (without it every matching sample is considered, and existing files are skipped).',
  );
}

export async function writeSinceState(path: string, highWaterMark: string, now = new Date()) {
  const state: SinceState = { version: 1, highWaterMark, updatedAt: now.toISOString() };
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`);
  await rename(tmp, path);
}

/** The later of two timestamps (either may be absent). */
export function laterTimestamp(a: string | undefined, b: string | undefined): string | undefined {
  if (!a) return b;
  if (!b) return a;
  return parseGencoveTimestamp(b).getTime() > parseGencoveTimestamp(a).getTime() ? b : a;
}

/**
 * The mark a run may store: the newest status among the samples it delivered, but never past a
 * sample it left behind (skipped as archived, or failed). Selection is inclusive, so holding the mark at the
 * oldest left-behind sample makes the next run see it again; its delivered neighbours are then
 * skipped as existing. Never moves backwards.
 */
export function nextHighWaterMark(
  previous: string | undefined,
  delivered: readonly (string | null | undefined)[],
  leftBehind: readonly (string | null | undefined)[],
): string | undefined {
  let mark = previous;
  for (const t of delivered) mark = laterTimestamp(mark, t ?? undefined);
  const held = leftBehind.filter((t): t is string => Boolean(t));
  if (held.length === 0 || mark === undefined) return mark;
  const oldest = held.reduce((a, b) =>
    parseGencoveTimestamp(b).getTime() < parseGencoveTimestamp(a).getTime() ? b : a,
  );
  if (parseGencoveTimestamp(oldest).getTime() >= parseGencoveTimestamp(mark).getTime()) return mark;
  return laterTimestamp(previous, oldest);
}
