/**
 * Pairs FASTQ object keys into map-file rows from their Illumina-style names, with the rule the
 * server applies to uploads (spec §3.2): client ID before the first `_`, `_R1` / `_R2` token.
 */
import { hasFastqExtension } from '../destination.js';
import { parseFastqName } from '../upload/names.js';

export interface KeyRow {
  clientId: string;
  read: 'R1' | 'R2';
  key: string;
}

export interface SkippedKey {
  key: string;
  reason: string;
}

/** Several objects for one client ID and read: a URL map takes exactly one. */
export interface KeyConflict {
  clientId: string;
  read: 'R1' | 'R2';
  keys: string[];
}

export interface PairedKeys {
  rows: KeyRow[];
  skipped: SkippedKey[];
  conflicts: KeyConflict[];
  /** Client IDs with an R2 but no R1. */
  orphanR2: KeyRow[];
}

export function pairFastqKeys(keys: Iterable<string>): PairedKeys {
  const byKey = new Map<string, KeyRow[]>();
  const skipped: SkippedKey[] = [];
  for (const key of keys) {
    const name = key.slice(key.lastIndexOf('/') + 1);
    if (!hasFastqExtension(name)) continue; // not a FASTQ: ignored, as a directory scan does
    if (!hasFastqExtension(name, true)) {
      skipped.push({
        key,
        reason: 'upper-case extension; Gencove requires .fastq.gz, .fq.gz… in lower case in URLs',
      });
      continue;
    }
    const parsed = parseFastqName(name);
    if (parsed.clientId === 'Undetermined') {
      skipped.push({ key, reason: "Illumina's undetermined reads (no sample barcode matched)" });
    } else if (parsed.clientId === '') {
      skipped.push({ key, reason: 'the name starts with "_", so it has no client ID' });
    } else if (
      parsed.clientId.trim() !== parsed.clientId ||
      /[\u0000-\u001f\u007f,"]/.test(parsed.clientId)
    ) {
      skipped.push({
        key,
        reason: 'the client ID in the name has spaces, commas, quotes or control characters',
      });
    } else if (parsed.ambiguous) {
      skipped.push({ key, reason: 'the name has both an _R1 and an _R2 token' });
    } else if (!parsed.read) {
      skipped.push({ key, reason: 'the name has no _R1 or _R2 token' });
    } else {
      const id = `${parsed.clientId}\u0000${parsed.read}`;
      const list = byKey.get(id) ?? [];
      list.push({ clientId: parsed.clientId, read: parsed.read, key });
      byKey.set(id, list);
    }
  }
  const rows: KeyRow[] = [];
  const conflicts: KeyConflict[] = [];
  for (const list of byKey.values()) {
    const [first] = list;
    if (!first) continue;
    if (list.length > 1)
      conflicts.push({ clientId: first.clientId, read: first.read, keys: list.map((r) => r.key) });
    else rows.push(first);
  }
  const withR1 = new Set(rows.filter((r) => r.read === 'R1').map((r) => r.clientId));
  const conflictedR1 = new Set(conflicts.filter((c) => c.read === 'R1').map((c) => c.clientId));
  const orphanR2 = rows.filter(
    (r) => r.read === 'R2' && !withR1.has(r.clientId) && !conflictedR1.has(r.clientId),
  );
  const orphans = new Set(orphanR2);
  const kept = rows
    .filter((r) => !orphans.has(r))
    .sort((a, b) =>
      a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : a.read < b.read ? -1 : 1,
    );
  return { rows: kept, skipped, conflicts, orphanR2 };
}
