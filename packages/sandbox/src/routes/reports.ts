import { createHash } from 'node:crypto';
import { stringify } from 'csv-stringify/sync';
import type { App } from '../app.js';
import { ApiError, notFound } from '../errors.js';
import type { Ctx } from '../http.js';
import { sendText } from '../http.js';
import { normalizeUuid } from '../ids.js';
import type { Router } from '../router.js';
import type { Sample } from '../state.js';

/** Every column `project-qc-report` accepts, in production's order (its 400 message lists them). */
export const QC_REPORT_COLUMNS = [
  'id',
  'client_id',
  'project_id',
  'year',
  'month',
  'day',
  'status',
  'sex_string',
  'snps_min',
  'bases_dedup_mapped_min',
  'call_rate_min',
  'effective_coverage_min',
  'raw_coverage',
  'ancestries',
] as const;
/** Without `columns`, production leaves `ancestries` out. */
const DEFAULT_QC_COLUMNS = QC_REPORT_COLUMNS.filter((c) => c !== 'ancestries');

type Column = (typeof QC_REPORT_COLUMNS)[number];

const measured = (s: Sample, key: string): number | null =>
  s.qc.find((q) => q.quality_control_type.key === key)?.quality_control.value_measured ?? null;

/** One sample's row: QC-derived values are empty until the sample has QC (as production). */
function qcRow(s: Sample): Record<Column, string | number> {
  const created = new Date(s.createdMs);
  const r = createHash('sha256').update(`qc-report:${s.id}`).digest();
  const hasQc = s.qc.length > 0;
  const coverage = measured(s, 'effective_coverage');
  const bases = measured(s, 'bases_dedup');
  return {
    id: s.id,
    client_id: s.clientId,
    project_id: s.projectId,
    year: created.getUTCFullYear(),
    month: created.getUTCMonth() + 1,
    day: created.getUTCDate(),
    status: s.lastStatus.status,
    sex_string: hasQc ? (r[0]! % 2 ? 'female' : 'male') : '',
    snps_min: hasQc ? 5_000_000 + (r.readUInt32LE(1) % 1_000_000) : '',
    bases_dedup_mapped_min: bases ?? '',
    call_rate_min: hasQc ? (0.95 + (r[5]! % 50) / 1000).toFixed(3) : '',
    effective_coverage_min: coverage ?? '',
    raw_coverage: coverage === null ? '' : (coverage * 1.15).toFixed(3),
    ancestries: hasQc ? 'EUR' : '',
  };
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

function sendCsv(ctx: Ctx, filename: string, rows: unknown[][], header: readonly string[]): void {
  sendText(ctx, 200, stringify(rows, { header: true, columns: [...header] }), {
    'Content-Type': 'text/csv',
    'Content-Disposition': `attachment; filename="${filename}"`,
  });
}

export function reportRoutes(router: Router, app: App): void {
  const { store, auth } = app;

  router.on('GET', '/api/v2/project-qc-report/([^/]+)', (ctx) => {
    const user = auth.authenticate(ctx);
    const project = store.projectFor(user.orgId, normalizeUuid(ctx.params[0]));
    if (!project) throw notFound();
    const raw = ctx.query.get('columns');
    let columns: readonly Column[] = DEFAULT_QC_COLUMNS;
    if (raw) {
      const asked = raw.split(',').map((c) => c.trim());
      const invalid = asked.filter((c) => !(QC_REPORT_COLUMNS as readonly string[]).includes(c));
      if (invalid.length) {
        const list = (xs: readonly string[]) => `[${xs.map((x) => `'${x}'`).join(', ')}]`;
        throw new ApiError(400, [
          `Column(s) ${list(invalid)} are invalid. Acceptable column names include the following: ${list(QC_REPORT_COLUMNS)}`,
        ]);
      }
      columns = asked as Column[];
    }
    const rows = project.samples
      .filter((s) => !s.deleted)
      .sort((a, b) => a.createdMs - b.createdMs || (a.id < b.id ? -1 : 1))
      .map((s) => {
        const row = qcRow(s);
        return columns.map((c) => row[c]);
      });
    sendCsv(ctx, 'project-qc-report.csv', rows, columns);
  });

  router.on('GET', '/api/v2/organization-monthly-usage-report', (ctx) => {
    const user = auth.authenticate(ctx);
    const from = ctx.query.get('from');
    const to = ctx.query.get('to');
    if ((from === null) !== (to === null)) {
      throw new ApiError(400, {
        error: "Must provide both 'from' and 'to' query parameters, or neither.",
      });
    }
    let first: number;
    let last: number;
    if (from !== null && to !== null) {
      const f = MONTH.exec(from);
      const t = MONTH.exec(to);
      if (!f || !t) {
        throw new ApiError(400, { error: "'from' and 'to' must be months in the format YYYY-MM." });
      }
      first = Number(f[1]) * 12 + Number(f[2]) - 1;
      last = Number(t[1]) * 12 + Number(t[2]) - 1;
      if (first > last) throw new ApiError(400, { error: "'from' must not be after 'to'." });
    } else {
      // the last 12 months, this one included
      const now = new Date(store.now());
      last = now.getUTCFullYear() * 12 + now.getUTCMonth();
      first = last - 11;
    }
    const counts = new Map<number, { succeeded: number; failed: number }>();
    for (const p of store.projects.values()) {
      if (p.orgId !== user.orgId) continue;
      for (const s of p.samples) {
        const status = s.lastStatus.status;
        if (status !== 'succeeded' && !status.startsWith('failed')) continue;
        const at = new Date(s.lastStatus.created);
        const month = at.getUTCFullYear() * 12 + at.getUTCMonth();
        const c = counts.get(month) ?? { succeeded: 0, failed: 0 };
        if (status === 'succeeded') c.succeeded++;
        else c.failed++;
        counts.set(month, c);
      }
    }
    const rows: number[][] = [];
    for (let m = first; m <= last; m++) {
      const c = counts.get(m) ?? { succeeded: 0, failed: 0 };
      rows.push([Math.floor(m / 12), (m % 12) + 1, c.succeeded, c.failed]);
    }
    sendCsv(ctx, 'report.csv', rows, ['year', 'month', 'succeeded_samples', 'failed_samples']);
  });
}
