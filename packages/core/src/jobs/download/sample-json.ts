import type { QcResult } from '../../models.js';
import { escapeNonAscii, PyFloat, pythonJsonDumps } from './python-json.js';

/**
 * `<sample>_qc.json` (spec §9.7): a one-line JSON array, each result reduced to the type's `key`
 * and `type` and the non-null measurement fields (`value_string` "" counts as null), with Python's
 * default separators. Also the `qc` body of `samples download-file` (spec §10).
 */
export function formatQcJson(results: readonly QcResult[]): string {
  const reduced = results.map((r) => {
    const type: Record<string, unknown> = { key: r.quality_control_type.key };
    if (r.quality_control_type.type != null) type.type = r.quality_control_type.type;
    const qc = r.quality_control;
    const measured: Record<string, unknown> = {};
    if (qc.value_expected != null) measured.value_expected = new PyFloat(qc.value_expected);
    if (qc.value_measured != null) measured.value_measured = new PyFloat(qc.value_measured);
    if (qc.value_string != null && qc.value_string !== '') measured.value_string = qc.value_string;
    if (qc.status != null) measured.status = qc.status;
    return { quality_control_type: type, quality_control: measured };
  });
  return pythonJsonDumps(reduced);
}

/**
 * `<sample>_metadata.json` written by `download` (spec §9.7): the wrapper, no spaces, non-ASCII
 * escaped as Python writes it. A float with a zero fraction (`1.0`) reaches us as a number
 * without one and is written `1` (the API client parses JSON into JavaScript numbers).
 */
export function formatMetadataFile(metadata: unknown): string {
  return escapeNonAscii(JSON.stringify({ metadata: metadata ?? null }));
}

/** The `metadata` body of `samples download-file` (spec §10): Python default separators. */
export function formatMetadataDownloadFile(metadata: unknown): string {
  return pythonJsonDumps({ metadata: metadata ?? null });
}
