import { opendir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { hasFastqExtension } from '../destination.js';

export interface DiscoveredFile {
  /** Absolute path. */
  path: string;
  /** Path relative to the scanned directory, with `/` separators. */
  relativePath: string;
}

export interface Discovery {
  files: DiscoveredFile[];
  /** Regular files without a FASTQ extension, skipped. */
  ignored: string[];
}

const byName = (a: { name: string }, b: { name: string }) =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

/**
 * Recursive walk as the official client does it (spec §3.2): top-down, sorted by name, files of a
 * directory before its sub-directories; symlinked directories are not followed, symlinked files
 * are included.
 */
export async function discoverFastqs(root: string, signal?: AbortSignal): Promise<Discovery> {
  const found: Discovery = { files: [], ignored: [] };
  const pending = [root];
  while (pending.length > 0) {
    signal?.throwIfAborted();
    const dir = pending.shift()!;
    const entries = [];
    for await (const entry of await opendir(dir)) entries.push(entry);
    entries.sort(byName);
    const subdirs: string[] = [];
    for (const entry of entries) {
      const path = join(dir, entry.name);
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        isFile = await stat(path).then(
          (s) => s.isFile(),
          () => false,
        );
      }
      if (entry.isDirectory()) subdirs.push(path);
      else if (isFile && hasFastqExtension(entry.name)) {
        found.files.push({ path, relativePath: relative(root, path).split(sep).join('/') });
      } else if (isFile) {
        found.ignored.push(path);
      }
    }
    pending.unshift(...subdirs);
  }
  return found;
}
