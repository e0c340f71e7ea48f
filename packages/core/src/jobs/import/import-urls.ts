import pLimit from 'p-limit';
import { AbortError, InvalidArgumentError } from '../../errors.js';
import { normalizeUuid } from '../../validate.js';
import { type AssignApi, assignUploadsToProject } from '../assign/index.js';
import type { ParsedMapFile } from '../mapfile/index.js';
import { DEFAULT_IMPORT_CONCURRENCY, type PlanUrlImportOptions, prepareUrlImport } from './plan.js';
import type { ImportEvent, ImportedUpload, PlannedUrlUpload, UrlImportResult } from './types.js';

/** What the import needs from the API client (a `GencoveClient` satisfies it). */
export interface ImportApi extends AssignApi {
  createUrlUpload(
    destinationPath: string,
    sourceUrl: string,
    options?: { signal?: AbortSignal },
  ): Promise<{ id: string; last_status?: { status: string } | null }>;
  getProject(projectId: string, options?: { signal?: AbortSignal }): Promise<unknown>;
}

export interface ImportUrlsOptions extends PlanUrlImportOptions {
  /** A parsed map file of kind `url`. */
  map: ParsedMapFile;
  /** Assign the imported reads to this project (creates samples, starts analysis). */
  projectId?: string;
  /** Any JSON value, applied to every created sample. Requires `projectId`. */
  metadata?: unknown;
  /** How long the assignment waits for the sample sheet. Default 300 s. */
  assignMaxWaitMs?: number;
}

/**
 * Some URLs were registered before a registration failed. `registered` lists them; nothing was
 * assigned. `code` is the cause's (`ERR_GENCOVE_AUTH`, `ERR_GENCOVE_NETWORK`…).
 */
export class UrlImportError extends Error {
  readonly code: string;
  readonly destination: string;
  readonly registered: ImportedUpload[];
  readonly failed: PlannedUrlUpload;
  readonly status?: number;

  constructor(
    message: string,
    options: {
      cause: unknown;
      destination: string;
      registered: ImportedUpload[];
      failed: PlannedUrlUpload;
    },
  ) {
    super(message, { cause: options.cause });
    this.name = 'UrlImportError';
    const cause = options.cause as { code?: unknown; status?: unknown };
    this.code = typeof cause?.code === 'string' ? cause.code : 'ERR_GENCOVE_IMPORT';
    if (typeof cause?.status === 'number') this.status = cause.status;
    this.destination = options.destination;
    this.registered = options.registered;
    this.failed = options.failed;
  }
}

/**
 * `gencove upload X.fastq-map.csv` for a map of URLs (spec §4): pre-flight every URL, register
 * each (client_id, read) with `POST /uploads-url/` under bounded concurrency (the client retries
 * 429 / 5xx / transport failures for up to 600 s), then — with `projectId` — assign them through
 * the shared assignment step. Nothing is registered unless every URL passes the pre-flight.
 */
export async function importUrls(
  client: ImportApi,
  options: ImportUrlsOptions,
): Promise<UrlImportResult> {
  const onEvent = safeListener(options.onEvent);
  if (options.metadata !== undefined && options.projectId === undefined) {
    throw new InvalidArgumentError(
      'metadata',
      'metadata can only be given together with projectId',
    );
  }
  const projectId =
    options.projectId === undefined ? undefined : normalizeUuid(options.projectId, 'projectId');
  const { plan, sources } = await prepareUrlImport(options.map, { ...options, onEvent });
  const { signal } = options;

  // A wrong project would otherwise leave registered but unassignable uploads behind.
  if (projectId) await client.getProject(projectId, { signal });

  const uploads = await registerAll(
    client,
    plan.uploads,
    sources,
    plan.destination,
    options,
    onEvent,
  );
  onEvent({ type: 'import-registered', uploads: uploads.length });

  const result: UrlImportResult = {
    destination: plan.destination,
    uploads,
    warnings: plan.warnings,
    ...(plan.checks ? { checks: plan.checks } : {}),
  };
  if (projectId) {
    result.samples = await assignUploadsToProject(client, {
      projectId,
      destination: plan.destination,
      uploadIds: uploads.map((u) => u.uploadId),
      metadata: options.metadata,
      signal,
      onEvent,
      ...(options.assignMaxWaitMs !== undefined ? { maxWaitMs: options.assignMaxWaitMs } : {}),
    });
  }
  return result;
}

async function registerAll(
  client: ImportApi,
  planned: PlannedUrlUpload[],
  sources: string[],
  destination: string,
  options: ImportUrlsOptions,
  onEvent: (event: ImportEvent) => void,
): Promise<ImportedUpload[]> {
  // One failure stops the rest: the first error is what the user needs to fix.
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const limit = pLimit(options.concurrency ?? DEFAULT_IMPORT_CONCURRENCY);
  const registered: Array<ImportedUpload | undefined> = new Array(planned.length);
  let failure: { error: unknown; item: PlannedUrlUpload; source: string } | undefined;
  let done = 0;

  await Promise.all(
    planned.map((item, i) =>
      limit(async () => {
        if (signal.aborted) return;
        try {
          const response = await client.createUrlUpload(item.destinationPath, sources[i]!, {
            signal,
          });
          const upload: ImportedUpload = {
            ...item,
            uploadId: response.id,
            ...(response.last_status?.status ? { status: response.last_status.status } : {}),
          };
          registered[i] = upload;
          onEvent({ type: 'url-registered', upload, done: ++done, total: planned.length });
        } catch (error) {
          if (!failure && !(error instanceof AbortError && stop.signal.aborted)) {
            failure = { error, item, source: sources[i]! };
          }
          stop.abort();
        }
      }),
    ),
  );

  const ok = registered.filter((u): u is ImportedUpload => u !== undefined);
  if (options.signal?.aborted) throw new AbortError('URL import aborted');
  if (failure) {
    const { error, item, source } = failure;
    // The server may quote the URL back; its query is what must not leak.
    const why = (error instanceof Error ? error.message : String(error)).replaceAll(
      source,
      item.source,
    );
    const where = `${item.clientId} ${item.read} (line ${item.line})`;
    const left =
      ok.length === 0
        ? 'Nothing was registered.'
        : `${ok.length} of ${planned.length} URLs were registered under ${destination} and nothing was assigned; ` +
          `after fixing the cause, re-run with that destination or start over with a new one.`;
    throw new UrlImportError(`Registering the URL of ${where} failed: ${why}. ${left}`, {
      cause: error,
      destination,
      registered: ok,
      failed: item,
    });
  }
  return ok;
}

function safeListener(listener?: (event: ImportEvent) => void): (event: ImportEvent) => void {
  return (event) => {
    try {
      listener?.(event);
    } catch {
      // a broken progress renderer must not break the import
    }
  };
}
