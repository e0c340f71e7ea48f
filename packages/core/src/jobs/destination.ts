import { randomUUID } from 'node:crypto';

/** FASTQ extensions the API accepts (spec §3.1), checked case-insensitively on local paths. */
export const FASTQ_EXTENSIONS = ['.fastq.gz', '.fastq.bgz', '.fq.gz', '.fq.bgz'] as const;

export function hasFastqExtension(name: string, caseSensitive = false): boolean {
  const subject = caseSensitive ? name : name.toLowerCase();
  return FASTQ_EXTENSIONS.some((ext) => subject.endsWith(ext));
}

export class DestinationError extends Error {
  readonly code = 'ERR_GENCOVE_INPUT';
  constructor(message: string) {
    super(message);
    this.name = 'DestinationError';
  }
}

/**
 * Normalises a `gncv://` destination folder as the official client does (spec §3.3): unless it
 * is exactly `gncv://`, trailing slashes are stripped and exactly one is appended.
 */
export function normalizeDestination(destination: string): string {
  if (!destination.startsWith('gncv://')) {
    throw new DestinationError(
      `Invalid destination "${destination}": it must start with gncv://, e.g. gncv://run-2026-11-24/.`,
    );
  }
  if (destination === 'gncv://') return destination;
  const folder = destination.replace(/\/+$/, '');
  const path = folder.slice('gncv://'.length);
  if (
    path.split('/').some((segment) => segment.length === 0 || segment === '.' || segment === '..')
  ) {
    throw new DestinationError(
      `Invalid destination "${destination}": empty, "." or ".." path segments are not allowed.`,
    );
  }
  return `${folder}/`;
}

/**
 * The destination the official client generates when none is given (spec §3.3):
 * `gncv://<kind>-<UTC %Y%m%d%H%M%S>-<uuid4 hex>/`, kind `cli` for local files, `cli-url` for URLs
 * (`n8n` for uploads from the n8n nodes, so they are recognisable).
 */
export function generateDestination(
  kind: 'cli' | 'cli-url' | 'n8n',
  now: Date = new Date(),
): string {
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `gncv://${kind}-${stamp}-${randomUUID().replace(/-/g, '')}/`;
}
