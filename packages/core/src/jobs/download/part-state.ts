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
const stateTmpPath = (path: string): string => `${statePath(path)}.tmp`;
/** Held (a directory) while one process delivers `path`; see `target-lock.ts`. */
export const lockPath = (path: string): string => `${path}.part.lock`;

/** Every working file a disk transfer of `path` may leave beside it. */
export const workingFiles = (path: string): string[] => [
  partPath(path),
  statePath(path),
  stateTmpPath(path),
];

/** Bytes the longest working-file name adds to a file name. */
export const WORKING_SUFFIX_BYTES = stateTmpPath('').length;

async function readStateFile(path: string): Promise<PartState | undefined> {
  try {
    return JSON.parse(await readFile(statePath(path), 'utf8')) as PartState;
  } catch {
    return undefined;
  }
}

export async function readPartState(
  path: string,
  fileId: string,
  total: number,
): Promise<PartState | undefined> {
  const state = await readStateFile(path);
  if (state?.version !== 1 || state.fileId !== fileId || state.total !== total) return undefined;
  if (state.etag !== undefined && typeof state.etag !== 'string') return undefined;
  return state;
}

/** Atomic replace, so a crash mid-write never leaves a state that lies. */
export async function writePartState(path: string, state: PartState): Promise<void> {
  await writeFile(stateTmpPath(path), JSON.stringify(state));
  await rename(stateTmpPath(path), statePath(path));
}

export async function removePartFiles(path: string): Promise<void> {
  await Promise.all(workingFiles(path).map((file) => rm(file, { force: true })));
}

/** The size an earlier run's `.part.json` recorded for `path`, if there is one. */
export async function partStateTotal(path: string): Promise<number | undefined> {
  const total = (await readStateFile(path))?.total;
  return typeof total === 'number' ? total : undefined;
}
