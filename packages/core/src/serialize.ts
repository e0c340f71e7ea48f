/**
 * Serialisation of sample-sheet entries echoed to `POST /project-samples/{id}`
 * (spec §1.3, §6.3): only model fields are kept (extras such as `source_url` are
 * dropped), UUIDs are lower-cased, timestamps re-encoded with `T` and a numeric
 * offset, nested `null`s dropped, entry-level keys the server supplied kept even when
 * `null`.
 */
import { InvalidArgumentError } from './errors.js';
import { formatGencoveTimestamp } from './timestamps.js';

/** Minimal shape accepted by `assignUploads` (a `SampleSheetEntry` fits). */
export interface AssignableRead {
  upload: string;
  destination_path?: string | null;
  last_status?: {
    id?: string | null;
    status: string;
    note?: string | null;
    created?: string | null;
  } | null;
  [extra: string]: unknown;
}

export interface AssignableEntry {
  client_id?: string | null;
  fastq: { r1?: AssignableRead | null; r2?: AssignableRead | null; [extra: string]: unknown };
  sample?: string | null;
  [extra: string]: unknown;
}

const UUIDISH = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

function uuidOut(v: string): string {
  if (!UUIDISH.test(v)) return v;
  const h = v.replace(/-/g, '').toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function serializeStatus(s: NonNullable<AssignableRead['last_status']>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (s.id != null) out.id = uuidOut(s.id);
  if (s.status != null) out.status = s.status;
  if (s.note != null) out.note = s.note;
  if (s.created != null) out.created = formatGencoveTimestamp(s.created);
  return out;
}

function serializeRead(r: AssignableRead, where: string): Record<string, unknown> {
  if (typeof r.upload !== 'string' || r.upload === '') {
    throw new InvalidArgumentError('entries', `${where}.upload must be an upload ID`);
  }
  const out: Record<string, unknown> = { upload: uuidOut(r.upload) };
  if (r.destination_path != null) out.destination_path = r.destination_path;
  if (r.last_status != null) out.last_status = serializeStatus(r.last_status);
  return out;
}

/** Serialise one sheet entry as the reference client echoes it. */
export function serializeAssignableEntry(
  entry: AssignableEntry,
  index = 0,
): Record<string, unknown> {
  const where = `entries[${index}]`;
  if (
    entry === null ||
    typeof entry !== 'object' ||
    !entry.fastq ||
    typeof entry.fastq !== 'object'
  ) {
    throw new InvalidArgumentError('entries', `${where} must be a sample-sheet entry with "fastq"`);
  }
  const fastq: Record<string, unknown> = {};
  if (entry.fastq.r1 != null) fastq.r1 = serializeRead(entry.fastq.r1, `${where}.fastq.r1`);
  if (entry.fastq.r2 != null) fastq.r2 = serializeRead(entry.fastq.r2, `${where}.fastq.r2`);
  if (!fastq.r1 && !fastq.r2) {
    throw new InvalidArgumentError('entries', `${where}.fastq has neither r1 nor r2`);
  }
  const out: Record<string, unknown> = {};
  if ('client_id' in entry) out.client_id = entry.client_id ?? null;
  out.fastq = fastq;
  if ('sample' in entry) out.sample = entry.sample == null ? null : uuidOut(entry.sample);
  return out;
}

/** The full request body for one assignment call. */
export function assignmentBody(
  entries: readonly AssignableEntry[],
  metadata: unknown,
): { uploads: Record<string, unknown>[]; metadata: unknown } {
  if (!Array.isArray(entries)) {
    throw new InvalidArgumentError('entries', 'entries must be an array of sample-sheet entries');
  }
  if (metadata !== undefined && metadata !== null) {
    try {
      JSON.stringify(metadata);
    } catch {
      throw new InvalidArgumentError('metadata', 'metadata must be JSON-serialisable');
    }
  }
  return {
    uploads: entries.map((e, i) => serializeAssignableEntry(e, i)),
    metadata: metadata === undefined ? null : metadata,
  };
}
