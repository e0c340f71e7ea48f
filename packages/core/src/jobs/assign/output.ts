import type { AssignedSample } from './types.js';

/** Drops keys whose value is null or undefined at every level below the top (spec §1.3, §6.4). */
function dropNestedNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNestedNulls);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v !== null && v !== undefined) out[key] = dropNestedNulls(v);
  }
  return out;
}

/**
 * The `--output` document of spec §6.4: every assigned sample as 4-space pretty JSON, nested
 * nulls dropped (single-end samples have no `r2` key). Ends with a newline.
 */
export function formatAssignmentOutput(samples: readonly AssignedSample[]): string {
  return `${JSON.stringify(dropNestedNulls(samples), null, 4)}\n`;
}

/** Normalises one element of a `POST /project-samples/{id}` response's `uploads` array. */
export function toAssignedSample(raw: unknown): AssignedSample | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const entry = raw as {
    client_id?: unknown;
    sample?: unknown;
    fastq?: { r1?: { upload?: unknown } | null; r2?: { upload?: unknown } | null } | null;
  };
  if (typeof entry.sample !== 'string') return undefined;
  const fastq: AssignedSample['fastq'] = {};
  if (typeof entry.fastq?.r1?.upload === 'string') fastq.r1 = { upload: entry.fastq.r1.upload };
  if (typeof entry.fastq?.r2?.upload === 'string') fastq.r2 = { upload: entry.fastq.r2.upload };
  return { client_id: String(entry.client_id ?? ''), fastq, sample: entry.sample };
}
