import { readFile, rename, rm, writeFile } from 'node:fs/promises';

/**
 * `<name>.part.json`: what a resumed transfer needs to trust `<name>.part`. Written before the
 * first byte and after every finished range; a missing or unreadable state means the `.part`
 * is not ours and is discarded.
 */
export interface PartState {
  version: 1;
  fileId: string;
  total: number;
  etag?: string;
  /** `sequential`: the `.part` is a prefix of the file. `ranged`: full-size, `done` ranges valid. */
  layout: 'sequential' | 'ranged';
  /** Byte ranges [start, end) known to be on disk (ranged layout). */
  done: Array<[number, number]>;
}

export const partPath = (path: string): string => `${path}.part`;
export const statePath = (path: string): string => `${path}.part.json`;

export async function readPartState(path: string, fileId: string, total: number) {
  try {
    const state = JSON.parse(await readFile(statePath(path), 'utf8')) as PartState;
    if (state?.version !== 1 || state.fileId !== fileId || state.total !== total) return undefined;
    if (state.layout !== 'sequential' && state.layout !== 'ranged') return undefined;
    if (!Array.isArray(state.done)) return undefined;
    const valid = state.done.every(
      (r) =>
        Array.isArray(r) &&
        Number.isInteger(r[0]) &&
        Number.isInteger(r[1]) &&
        r[0] >= 0 &&
        r[0] < r[1] &&
        r[1] <= total,
    );
    return valid ? state : undefined;
  } catch {
    return undefined;
  }
}

/** Atomic replace, so a crash mid-write never leaves a state that lies. */
export async function writePartState(path: string, state: PartState): Promise<void> {
  const tmp = `${statePath(path)}.tmp`;
  await writeFile(tmp, JSON.stringify(state));
  await rename(tmp, statePath(path));
}

export async function removePartFiles(path: string): Promise<void> {
  await Promise.all([
    rm(partPath(path), { force: true }),
    rm(statePath(path), { force: true }),
    rm(`${statePath(path)}.tmp`, { force: true }),
  ]);
}

/** Sorted, merged union of ranges. */
export function mergeRanges(ranges: Array<[number, number]>): Array<[number, number]> {
  const sorted = ranges.filter(([s, e]) => e > s).sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}
