/**
 * How the status job reads the server's status strings (spec §1.9). Only `succeeded`,
 * `failed qc` and `failed` were ever observed as final analysis statuses; everything else
 * (`created`, `running`, values nobody has documented) counts as still in progress, so an
 * unknown value can delay a wait but never end it wrongly.
 */

/** Analysis statuses this package knows; anything else is reported as `unknownStatus`. */
export const KNOWN_ANALYSIS_STATUSES = [
  'created',
  'running',
  'succeeded',
  'failed qc',
  'failed',
] as const;

/** Archive statuses of spec §1.9. */
export const KNOWN_ARCHIVE_STATUSES = [
  'available',
  'archived',
  'restore_requested',
  'restored',
] as const;

/** Where a sample's analysis stands. */
export type AnalysisPhase = 'succeeded' | 'failed-qc' | 'failed' | 'in-progress';

const normal = (value: string | null | undefined): string =>
  (value ?? '').trim().toLowerCase().replace(/\s+/g, ' ');

/**
 * Case-insensitive: `succeeded` → succeeded; `failed qc` (also `failed_qc`, `failed-qc`) →
 * failed-qc; any other value starting with `failed` → failed; everything else → in-progress.
 */
export function analysisPhase(status: string | null | undefined): AnalysisPhase {
  const s = normal(status);
  if (s === 'succeeded') return 'succeeded';
  if (/^failed[ _-]?qc$/.test(s)) return 'failed-qc';
  if (s.startsWith('failed')) return 'failed';
  return 'in-progress';
}

/** True for the final analysis statuses: succeeded, failed qc, failed. */
export function isTerminalAnalysisStatus(status: string | null | undefined): boolean {
  return analysisPhase(status) !== 'in-progress';
}

export function isKnownAnalysisStatus(status: string | null | undefined): boolean {
  return (KNOWN_ANALYSIS_STATUSES as readonly string[]).includes(normal(status));
}

export function isKnownArchiveStatus(status: string | null | undefined): boolean {
  return (KNOWN_ARCHIVE_STATUSES as readonly string[]).includes(normal(status));
}

/**
 * Deliverables cannot be downloaded right now: `archived` or `restore_requested`.
 * (`available` and `restored` can be, as the download logic of spec §1.9 accepts them.)
 */
export function isArchivedStatus(archiveStatus: string | null | undefined): boolean {
  const s = normal(archiveStatus);
  return s === 'archived' || s === 'restore_requested';
}

/** Deliverables can be downloaded: archive status starting with `available` or `restored`. */
export function isAvailableArchiveStatus(archiveStatus: string | null | undefined): boolean {
  const s = normal(archiveStatus);
  return s.startsWith('available') || s.startsWith('restored');
}
