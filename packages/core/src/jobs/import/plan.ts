import pLimit from 'p-limit';
import { InvalidArgumentError } from '../../errors.js';
import { redactUrl } from '../../redact.js';
import { generateDestination, normalizeDestination } from '../destination.js';
import {
  MapFileError,
  type MapFileProblem,
  type ParsedMapFile,
  parseFastqUrl,
} from '../mapfile/index.js';
import { DEFAULT_EXPIRY_MARGIN_MS, displayUrl, preflightUrl } from './preflight.js';
import { createProbeAgent, probeUrl } from './probe.js';
import type {
  ImportEvent,
  PlannedUrlUpload,
  UrlCheck,
  UrlImportPlan,
  UrlWarning,
} from './types.js';

export const DEFAULT_IMPORT_CONCURRENCY = 8;

export interface PlanUrlImportOptions {
  /** `gncv://` folder; default `gncv://cli-url-<UTC stamp>-<hex>/` as the official client. */
  destination?: string;
  /** Default 24 h. */
  expiryMarginMs?: number;
  /** Fail instead of warning when a URL expires within the margin or its expiry is unreadable. */
  strictExpiry?: boolean;
  /** Probe every URL (HEAD, then a 1-byte ranged GET) and fail on unreachable ones. */
  checkUrls?: boolean;
  /** Requests in flight at once (probes and registrations). Default 8. */
  concurrency?: number;
  /** Per-probe connect / headers timeout. Default 30 s. */
  probeTimeoutMs?: number;
  signal?: AbortSignal;
  onEvent?: (event: ImportEvent) => void;
  /** Clock used for expiry checks and the generated destination. Default: now. */
  now?: Date;
}

/** A URL failed the pre-flight checks; nothing was registered. */
export class UrlPreflightError extends MapFileError {
  constructor(file: string, problems: MapFileProblem[]) {
    super(file, problems);
    this.name = 'UrlPreflightError';
  }
}

/** The plan plus the verbatim URLs (which carry credentials), index-aligned with `plan.uploads`. */
export interface PreparedImport {
  plan: UrlImportPlan;
  sources: string[];
}

/**
 * Validates a URL map before anything is registered: https only (http for loopback hosts),
 * presigned-URL expiry against the margin, and — with `checkUrls` — reachability. Every problem
 * is reported at once with its line; the plan and its warnings are returned otherwise.
 */
export async function planUrlImport(
  map: ParsedMapFile,
  options: PlanUrlImportOptions = {},
): Promise<UrlImportPlan> {
  return (await prepareUrlImport(map, options)).plan;
}

export async function prepareUrlImport(
  map: ParsedMapFile,
  options: PlanUrlImportOptions,
): Promise<PreparedImport> {
  if (map.kind !== 'url') {
    throw new InvalidArgumentError(
      'map',
      `${map.file} lists local files, not URLs; upload it instead`,
    );
  }
  const now = options.now ?? new Date();
  const destination =
    options.destination === undefined
      ? generateDestination('cli-url', now)
      : normalizeDestination(options.destination);
  const expiryMarginMs = options.expiryMarginMs ?? DEFAULT_EXPIRY_MARGIN_MS;
  const problems: MapFileProblem[] = [];
  const warnings: UrlWarning[] = [];
  const uploads: PlannedUrlUpload[] = [];
  const sources: string[] = [];
  const urls: URL[] = [];

  for (const group of map.groups) {
    const source = group.paths[0];
    const url = source === undefined ? undefined : parseFastqUrl(source);
    const ref = { clientId: group.clientId, read: group.read, line: group.lines[0] ?? 0 };
    if (!source || !url) {
      problems.push({ line: ref.line, message: 'not an http(s) URL' });
      continue;
    }
    const checked = preflightUrl(ref, url, {
      now,
      expiryMarginMs,
      strictExpiry: options.strictExpiry ?? false,
    });
    problems.push(...checked.problems);
    warnings.push(...checked.warnings);
    uploads.push({
      ...ref,
      destinationPath: `${destination}${group.clientId}_${group.read}.fastq.gz`,
      source: redactUrl(source),
      ...(checked.expiresAt ? { expiresAt: checked.expiresAt } : {}),
    });
    sources.push(source);
    urls.push(url);
  }
  if (problems.length > 0) throw new UrlPreflightError(map.file, problems);

  const plan: UrlImportPlan = { destination, uploads, warnings };
  options.onEvent?.({ type: 'import-plan', destination, total: uploads.length });
  for (const warning of warnings) options.onEvent?.({ type: 'url-warning', warning });

  if (options.checkUrls) {
    plan.checks = await checkAll(uploads, sources, urls, options);
    const unreachable = plan.checks.flatMap((check, i) =>
      check.ok
        ? []
        : [{ line: check.line, message: `${displayUrl(urls[i]!)}: unreachable: ${check.reason}` }],
    );
    if (unreachable.length > 0) throw new UrlPreflightError(map.file, unreachable);
  }
  return { plan, sources };
}

async function checkAll(
  uploads: PlannedUrlUpload[],
  sources: string[],
  urls: URL[],
  options: PlanUrlImportOptions,
): Promise<UrlCheck[]> {
  const agent = createProbeAgent(options.probeTimeoutMs);
  const limit = pLimit(options.concurrency ?? DEFAULT_IMPORT_CONCURRENCY);
  const total = uploads.length;
  let done = 0;
  options.onEvent?.({ type: 'url-check-start', total });
  try {
    return await Promise.all(
      uploads.map((upload, i) =>
        limit(async () => {
          const outcome = await probeUrl(sources[i]!, agent, options.signal);
          const check: UrlCheck = {
            clientId: upload.clientId,
            read: upload.read,
            line: upload.line,
            ...outcome,
          };
          if (check.reason)
            check.reason = check.reason.replaceAll(sources[i]!, displayUrl(urls[i]!));
          options.onEvent?.({ type: 'url-checked', check, done: ++done, total });
          return check;
        }),
      ),
    );
  } finally {
    limit.clearQueue();
    // close() would wait for probes still in flight after an abort or a failure
    await agent.destroy();
  }
}
