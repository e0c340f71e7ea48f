import { createHash } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { access, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { UnsafePathError } from './errors.js';

/**
 * Why files cannot be created under `path` (a directory, created as needed): its nearest
 * existing ancestor is not a directory, or this process may not write there. Undefined when
 * they can. Checked before a run so that it fails once, up front, instead of file by file.
 */
export async function unwritableDirectory(path: string): Promise<string | undefined> {
  let dir = resolve(path);
  for (;;) {
    try {
      if (!(await stat(dir)).isDirectory()) return `${dir} is not a directory`;
      await access(dir, constants.W_OK | constants.X_OK);
      return undefined;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // not there yet (or under a file): the ancestor decides
      if ((code === 'ENOENT' || code === 'ENOTDIR') && dirname(dir) !== dir) {
        dir = dirname(dir);
        continue;
      }
      return `${dir} cannot be written to (${code ?? (error as Error).message})`;
    }
  }
}

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

/**
 * True when `path` exists and is neither a regular file nor a directory: a device (`/dev/null`),
 * a pipe (`/dev/stdout` when piped, `>(cmd)`), a socket. Such a destination is written into
 * directly; renaming a `.part` over it would replace the device or pipe itself.
 */
export async function isSpecialFile(path: string): Promise<boolean> {
  const s = await stat(path).catch(() => undefined);
  return s !== undefined && !s.isFile() && !s.isDirectory();
}

/** Refuses to replace anything but a regular file (or nothing) at `path`. */
export async function assertReplaceable(path: string): Promise<void> {
  await existingFileSize(path);
}

/** Writes a small file through `<path>.part`, flushed, then renamed into place. */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  await assertReplaceable(path);
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
