import { isAbsolute, relative, resolve, sep } from 'node:path';
import { UnsafePathError } from './errors.js';
import { WORKING_SUFFIX_BYTES } from './part-state.js';

// C0 controls, DEL and C1 controls: never part of a name we create.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const MAX_SEGMENT_BYTES = 255;

/**
 * Why `segment` cannot be one path component of a file we write, or undefined when it can.
 * Backslashes are refused everywhere: they are separators on Windows and a classic traversal
 * vector when files move between systems.
 */
export function segmentProblem(segment: string): string | undefined {
  if (segment === '') return 'an empty path segment';
  if (segment === '.' || segment === '..') return `a "${segment}" path segment`;
  if (CONTROL.test(segment)) return 'a NUL or control character';
  if (segment.includes('\\')) return 'a backslash';
  if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) return 'a name longer than 255 bytes';
  return undefined;
}

/** Checks every segment of a relative path; `what` names the input in the error. */
export function assertSafeSegments(segments: readonly string[], what: string): void {
  if (segments.length === 0) throw new UnsafePathError(`${what} resolves to an empty path.`);
  for (const segment of segments) {
    const problem = segmentProblem(segment);
    if (problem) {
      throw new UnsafePathError(
        `${what} resolves to ${JSON.stringify(segments.join('/'))}, which contains ${problem}; refusing to write it.`,
      );
    }
  }
}

/**
 * Joins checked segments under `root` and proves the result stays inside it (defence in depth
 * on top of the segment rules).
 */
export function resolveInside(root: string, segments: readonly string[], what: string): string {
  assertSafeSegments(segments, what);
  // the name leaves room for its longest working file, `<name>.part.json.tmp`
  const name = segments.at(-1)!;
  if (Buffer.byteLength(name) > MAX_SEGMENT_BYTES - WORKING_SUFFIX_BYTES) {
    throw new UnsafePathError(
      `${what} resolves to a file name of ${Buffer.byteLength(name)} bytes; on disk it may have ` +
        `${MAX_SEGMENT_BYTES - WORKING_SUFFIX_BYTES} at most (255, less room for ${name.slice(0, 8)}….part.json.tmp while it downloads).`,
    );
  }
  const base = resolve(root);
  const target = resolve(base, ...segments);
  const rel = relative(base, target);
  if (rel === '' || isAbsolute(rel) || rel === '..' || rel.startsWith(`..${sep}`)) {
    throw new UnsafePathError(`${what} would be written outside ${root}; refusing to write it.`);
  }
  return target;
}
