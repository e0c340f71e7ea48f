import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UnsafePathError } from './errors.js';

/** Size of an existing regular file, undefined when there is none. */
export async function existingFileSize(path: string): Promise<number | undefined> {
  try {
    const s = await stat(path);
    if (!s.isFile()) {
      throw new UnsafePathError(
        `${path} exists and is not a regular file; refusing to replace it.`,
      );
    }
    return s.size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export async function sha256OfFile(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, {
    highWaterMark: 1024 * 1024,
    ...(signal ? { signal } : {}),
  })) {
    hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

/** Writes a small file through `<path>.part`, flushed, then renamed into place. */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.part`;
  const fd = await open(tmp, 'w');
  try {
    await fd.writeFile(content);
    await fd.sync();
  } catch (error) {
    await fd.close();
    await rm(tmp, { force: true });
    throw error;
  }
  await fd.close();
  await rename(tmp, path);
}
