import { readFile, rename, rm, writeFile } from 'node:fs/promises';

/**
 * `<name>.part.json`: what a resumed transfer needs to trust `<name>.part`, which is always a
 * prefix of the file (parts are committed in order). Written before the first byte; a missing or
 * unreadable state, or one for another file id, size or ETag, means the `.part` is discarded.
 */
export interface PartState {
  version: 1;
  fileId: string;
  total: number;
  etag?: string;
}

export const partPath = (path: string): string => `${path}.part`;
export const statePath = (path: string): string => `${path}.part.json`;

export async function readPartState(
  path: string,
  fileId: string,
  total: number,
): Promise<PartState | undefined> {
  try {
    const state = JSON.parse(await readFile(statePath(path), 'utf8')) as PartState;
    if (state?.version !== 1 || state.fileId !== fileId || state.total !== total) return undefined;
    if (state.etag !== undefined && typeof state.etag !== 'string') return undefined;
    return state;
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

/** The size an earlier run's `.part.json` recorded for `path`, if there is one. */
export async function partStateTotal(path: string): Promise<number | undefined> {
  try {
    const total = (JSON.parse(await readFile(statePath(path), 'utf8')) as PartState)?.total;
    return typeof total === 'number' ? total : undefined;
  } catch {
    return undefined;
  }
}
