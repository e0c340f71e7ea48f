import { opendir, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
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
 * are included (a broken link with a FASTQ name too, so the plan reports it as unreadable).
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
        // A broken link with a FASTQ name is kept: the plan's stat check reports it as
        // unreadable instead of the file silently going missing from the upload.
        isFile = await stat(path).then(
          (s) => s.isFile(),
          () => hasFastqExtension(entry.name),
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

/** Order of {@link discoverFastqs}: by name per folder, a folder's files before its sub-folders. */
function walkOrder(a: DiscoveredFile, b: DiscoveredFile): number {
  const x = a.relativePath.split('/');
  const y = b.relativePath.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] === y[i]) continue;
    const xIsFile = i === x.length - 1;
    const yIsFile = i === y.length - 1;
    if (xIsFile !== yIsFile) return xIsFile ? -1 : 1;
    return x[i]! < y[i]! ? -1 : 1;
  }
  return x.length - y.length;
}

export interface Selection extends Discovery {
  /** Given paths that are not inside the root. */
  outside: string[];
}

/**
 * The FASTQs among explicitly given absolute paths (e.g. what glob patterns matched), named
 * relative to `root` and in the order a walk of `root` would list them; duplicates are dropped.
 * Nothing is read from disk: missing or unreadable files are the plan's stat check's business.
 */
export function selectFastqs(root: string, paths: readonly string[]): Selection {
  const found: Selection = { files: [], ignored: [], outside: [] };
  for (const path of new Set(paths)) {
    const rel = relative(root, path);
    if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
      found.outside.push(path);
    } else if (hasFastqExtension(path)) {
      found.files.push({ path, relativePath: rel.split(sep).join('/') });
    } else {
      found.ignored.push(path);
    }
  }
  found.files.sort(walkOrder);
  return found;
}
