import { DownloadInputError, UnsafePathError } from './errors.js';
import { assertSafeSegments, segmentProblem } from './safe-path.js';

/** Spec §9.3 default naming template. */
export const DEFAULT_DOWNLOAD_TEMPLATE = '{client_id}/{gencove_id}/{default_filename}';

export const TEMPLATE_FIELDS = [
  'client_id',
  'gencove_id',
  'file_type',
  'file_extension',
  'default_filename',
] as const;
export type TemplateField = (typeof TEMPLATE_FIELDS)[number];
export type TemplateValues = Record<TemplateField, string>;

type Piece = { literal: string } | { field: TemplateField };

/** A validated template: path segments made of literal text and placeholders. */
export interface DownloadTemplate {
  readonly source: string;
  readonly segments: readonly (readonly Piece[])[];
}

const isField = (name: string): name is TemplateField =>
  (TEMPLATE_FIELDS as readonly string[]).includes(name);

function invalid(template: string, why: string): DownloadInputError {
  return new DownloadInputError(
    '--download-template',
    `Invalid --download-template ${JSON.stringify(template)}: ${why}. ` +
      `Placeholders: ${TEMPLATE_FIELDS.map((f) => `{${f}}`).join(', ')}; "/" separates directories.`,
  );
}

/**
 * Parses a naming template (Python `str.format` syntax as in the official client: `{name}`,
 * `{{` and `}}` for literal braces). Unlike the official client, every placeholder works in every
 * segment. Rejects unknown placeholders, absolute paths, empty / `.` / `..` segments and control
 * characters before anything is requested.
 */
export function parseDownloadTemplate(template: string): DownloadTemplate {
  if (template.trim() === '') throw invalid(template, 'it is empty');
  if (template.startsWith('/') || /^[A-Za-z]:/.test(template)) {
    throw invalid(template, 'it must be relative to DESTINATION');
  }
  const segments: Piece[][] = [[]];
  let literal = '';
  const flush = () => {
    if (literal) segments[segments.length - 1]!.push({ literal });
    literal = '';
  };
  for (let i = 0; i < template.length; i++) {
    const ch = template[i]!;
    if (ch === '{' && template[i + 1] === '{') {
      literal += '{';
      i++;
    } else if (ch === '}' && template[i + 1] === '}') {
      literal += '}';
      i++;
    } else if (ch === '{') {
      const close = template.indexOf('}', i);
      if (close < 0) throw invalid(template, 'a "{" is not closed');
      const name = template.slice(i + 1, close);
      if (!isField(name)) throw invalid(template, `unknown placeholder {${name}}`);
      flush();
      segments[segments.length - 1]!.push({ field: name });
      i = close;
    } else if (ch === '}') {
      throw invalid(template, 'a single "}" (write "}}" for a literal brace)');
    } else if (ch === '/') {
      flush();
      segments.push([]);
    } else {
      literal += ch;
    }
  }
  flush();
  for (const pieces of segments) {
    if (pieces.length === 0) throw invalid(template, 'it has an empty path segment');
    if (pieces.every((p) => 'literal' in p)) {
      const text = pieces.map((p) => (p as { literal: string }).literal).join('');
      const problem = segmentProblem(text);
      if (problem) throw invalid(template, `it contains ${problem}`);
    }
  }
  return { source: template, segments };
}

/**
 * Relative path segments of one deliverable. A `client_id` like `plate1/A01` becomes a directory
 * (as in the official client); a file name, type or extension with a separator is refused. Every
 * resulting segment is checked, so no value can climb out of DESTINATION.
 */
export function renderDownloadPath(template: DownloadTemplate, values: TemplateValues): string[] {
  for (const field of ['default_filename', 'file_type', 'file_extension'] as const) {
    if (/[/\\]/.test(values[field])) {
      throw new UnsafePathError(
        `The server-supplied ${field} ${JSON.stringify(values[field])} of ${values.gencove_id} contains a path separator; refusing to write it.`,
      );
    }
  }
  const out: string[] = [];
  const what = `The naming template ${JSON.stringify(template.source)} for ${values.gencove_id} (${values.file_type})`;
  for (const [index, pieces] of template.segments.entries()) {
    const text = pieces.map((p) => ('literal' in p ? p.literal : values[p.field])).join('');
    // Empty pieces (an empty client_id, "a//b" inside a value) collapse, as they do on POSIX
    // for the official client; "." and ".." do not and are refused below.
    const parts = text.split('/').filter((segment) => segment !== '');
    if (parts.length === 0 && index === template.segments.length - 1) {
      throw new UnsafePathError(`${what} gives an empty file name.`);
    }
    out.push(...parts);
  }
  assertSafeSegments(out, what);
  return out;
}
