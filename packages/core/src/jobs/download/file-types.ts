import { DownloadInputError } from './errors.js';

/** The two file types the client produces itself from the QC and metadata endpoints (spec §8). */
export const QC_FILE_TYPE = 'qc';
export const METADATA_FILE_TYPE = 'metadata';

/**
 * Which deliverables `--file-types` selects. Decision on the spec §9.1 prefix quirk: a key
 * selects exactly that type (`wgs-gvcf` no longer also selects `wgs-gvcf_indexed`); a trailing
 * `*` asks for the prefix match explicitly (`wgs-gvcf*`). No list selects everything.
 */
export interface FileTypeFilter {
  readonly requested: readonly string[] | undefined;
  admits(fileType: string): boolean;
}

export function createFileTypeFilter(requested?: readonly string[]): FileTypeFilter {
  const keys = requested?.map((k) => k.trim()).filter((k) => k.length > 0);
  if (!keys || keys.length === 0) return { requested: undefined, admits: () => true };
  const exact = new Set(keys.filter((k) => !k.endsWith('*')));
  const prefixes = keys.filter((k) => k.endsWith('*')).map((k) => k.slice(0, -1));
  return {
    requested: keys,
    admits: (fileType) => exact.has(fileType) || prefixes.some((p) => fileType.startsWith(p)),
  };
}

/**
 * Checks `--file-types` against the keys of `GET /file-types/` (spec §9.1: every key must be
 * exactly one of them; a prefix pattern must match at least one). Lists every invalid entry.
 */
export function validateFileTypes(requested: readonly string[], known: readonly string[]): void {
  const invalid = invalidFileTypes(requested, known);
  if (invalid.length > 0) {
    throw new DownloadInputError(
      '--file-types',
      `Invalid --file-types ${invalid.map((k) => JSON.stringify(k)).join(', ')}: not among the file types ` +
        `of ${known.length === 0 ? 'this selection (the list is empty)' : `this selection: ${[...known].sort().join(', ')}`}.`,
    );
  }
}

/** The requested keys that select none of `known` (in order), for front ends' own messages. */
export function invalidFileTypes(requested: readonly string[], known: readonly string[]): string[] {
  return requested.filter((key) => !known.some((k) => createFileTypeFilter([key]).admits(k)));
}
