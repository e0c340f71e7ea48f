import type { ChaosReport } from '../types.js';

export interface ChaosComparison {
  /** Keys and indexes at which the two runs decided differently: must be empty for a replay. */
  mismatches: string[];
  /**
   * Keys seen a different number of times (e.g. polling, whose request count follows the clock).
   * Their decisions are compared over the requests both runs made.
   */
  countDifferences: Array<{ key: string; a: number; b: number }>;
}

/**
 * Compares two chaos reports key by key: for every request index both runs reached, the same
 * fault (or none) must have been decided.
 */
export function compareChaosReports(a: ChaosReport, b: ChaosReport): ChaosComparison {
  const decisions = (report: ChaosReport) => {
    const byKey = new Map<string, Map<number, string>>();
    for (const entry of report.faults) {
      const map = byKey.get(entry.key) ?? new Map<number, string>();
      const previous = map.get(entry.n);
      const fault = JSON.stringify(entry.fault);
      map.set(entry.n, previous ? `${previous}+${fault}` : fault);
      byKey.set(entry.key, map);
    }
    return byKey;
  };
  const da = decisions(a);
  const db = decisions(b);
  const mismatches: string[] = [];
  const countDifferences: ChaosComparison['countDifferences'] = [];
  const keys = new Set([
    ...Object.keys(a.counts),
    ...Object.keys(b.counts),
    ...da.keys(),
    ...db.keys(),
  ]);
  for (const key of [...keys].sort()) {
    const ca = a.counts[key] ?? 0;
    const cb = b.counts[key] ?? 0;
    if (ca !== cb) countDifferences.push({ key, a: ca, b: cb });
    const common = Math.min(ca, cb);
    const fa = da.get(key) ?? new Map<number, string>();
    const fb = db.get(key) ?? new Map<number, string>();
    for (const n of new Set([...fa.keys(), ...fb.keys()])) {
      if (n >= common) continue;
      const x = fa.get(n) ?? 'none';
      const y = fb.get(n) ?? 'none';
      if (x !== y) mismatches.push(`${key} #${n}: ${x} vs ${y}`);
    }
  }
  return { mismatches, countDifferences };
}
