import { stat } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import * as glob from '@actions/glob';
import { MAP_FILE_SUFFIX } from '@gencove/core';

/** What the `path` input names. */
export type UploadSource =
  | { kind: 'directory' | 'map-file'; path: string }
  /** Files matched by glob patterns, and the folder their gncv:// paths are relative to. */
  | { kind: 'glob'; base: string; files: string[] }
  /** Nothing there: a missing directory, or patterns that match nothing. */
  | { kind: 'none'; why: string };

const GLOB_CHARACTERS = /[*?[\]{}!]/;

/**
 * One line naming an existing directory or `*.fastq-map.csv` file is used as such (spec §3.1);
 * anything else is a list of glob patterns, one per line (`!` excludes), matched as
 * @actions/glob does for actions/upload-artifact. The gncv:// paths of globbed files are
 * relative to the common root of the patterns, so `reads/**` keeps the layout under reads/.
 */
export async function resolveUploadSource(lines: string[], cwd: string): Promise<UploadSource> {
  if (lines.length === 1 && !GLOB_CHARACTERS.test(lines[0]!)) {
    const path = resolve(cwd, lines[0]!);
    const info = await stat(path).catch(() => undefined);
    if (!info) return { kind: 'none', why: `${lines[0]} does not exist` };
    if (info.isDirectory()) return { kind: 'directory', path };
    if (path.endsWith(MAP_FILE_SUFFIX)) return { kind: 'map-file', path };
  }
  const patterns = lines.map((line) =>
    line.startsWith('!') ? `!${resolve(cwd, line.slice(1))}` : resolve(cwd, line),
  );
  const globber = await glob.create(patterns.join('\n'), {
    followSymbolicLinks: true,
    implicitDescendants: true,
    matchDirectories: false,
  });
  // planUpload de-duplicates them and orders them as a walk of `base` would
  const files = await globber.glob();
  if (files.length === 0) return { kind: 'none', why: `no file matches ${lines.join(', ')}` };
  let base = commonRoot(globber.getSearchPaths());
  if (!(await stat(base)).isDirectory()) base = dirname(base);
  return { kind: 'glob', base, files };
}

function commonRoot(paths: string[]): string {
  const split = paths.map((p) => p.split(sep));
  const first = split[0] ?? [''];
  let length = first.length;
  for (const parts of split) {
    let i = 0;
    while (i < length && parts[i] === first[i]) i++;
    length = i;
  }
  return first.slice(0, length).join(sep) || sep;
}
