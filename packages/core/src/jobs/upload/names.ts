import { FASTQ_EXTENSIONS } from '../destination.js';

export type ReadNumber = 'R1' | 'R2';

export interface ParsedFastqName {
  /** The part of the file name before the first `_` (spec §3.2). */
  clientId: string;
  /** The underscore-delimited `R1` / `R2` token, when there is exactly one kind. */
  read?: ReadNumber;
  /** Both an `R1` and an `R2` token: the server would take the first, which is a guess. */
  ambiguous: boolean;
}

/** The file name without its FASTQ extension (matched case-insensitively). */
export function fastqStem(fileName: string): string {
  const lower = fileName.toLowerCase();
  const ext = FASTQ_EXTENSIONS.find((e) => lower.endsWith(e));
  return ext ? fileName.slice(0, fileName.length - ext.length) : fileName;
}

/**
 * Illumina-style naming as the server applies it when it builds the sample sheet (spec §3.2):
 * `PLT4-A03_S12_L002_R2_001.fastq.gz` → client `PLT4-A03`, read `R2`. Tokens are case-sensitive
 * (`r1` is not a read token), like the sandbox's rule.
 */
export function parseFastqName(fileName: string): ParsedFastqName {
  const [clientId = '', ...tokens] = fastqStem(fileName).split('_');
  const reads = new Set(tokens.filter((t): t is ReadNumber => t === 'R1' || t === 'R2'));
  const ambiguous = reads.size > 1;
  const read = reads.size === 1 ? [...reads][0] : undefined;
  return { clientId, ...(read ? { read } : {}), ambiguous };
}
