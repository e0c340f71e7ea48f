/**
 * `GencoveClient` — typed access to the Gencove REST API (spec §2–§13).
 */
import type { Dispatcher } from 'undici';
import type { z } from 'zod';
import { Authenticator, type AuthMode, type OtpProvider } from './auth.js';
import { DEFAULT_HOST, normalizeHost } from './config.js';
import { InvalidArgumentError } from './errors.js';
import type { ClientEvent, ClientEventListener } from './events.js';
import {
  ARCHIVE_STATUS_FILTERS,
  type ArchiveStatusFilter,
  FILE_TYPE_OBJECTS,
  type FileTypeObject,
  HIDDEN_STATUS_FILTERS,
  type HiddenStatusFilter,
  SAMPLE_SORT_FIELDS,
  SAMPLE_STATUS_FILTERS,
  type SampleSortField,
  type SampleStatusFilter,
  SHEET_SORT_FIELDS,
  SHEET_STATUS_FILTERS,
  type SheetSortField,
  type SheetStatusFilter,
  SORT_ORDERS,
  type SortOrder,
} from './filters.js';
import { ApiRequester, type RequestOptions } from './http/api.js';
import { RetryPolicy, type RetryPolicyOptions } from './http/retry.js';
import { HttpTransport } from './http/transport.js';
import {
  AnyObjectSchema,
  type AssignmentResponse,
  AssignmentResponseSchema,
  type FileType,
  FileTypeSchema,
  MetadataWrapperSchema,
  type Organization,
  OrganizationSchema,
  type PageEnvelope,
  type Project,
  type ProjectDetail,
  ProjectDetailSchema,
  ProjectSchema,
  pageSchema,
  type QcResult,
  QcResultSchema,
  type SampleDetail,
  SampleDetailSchema,
  type SampleListItem,
  SampleListItemSchema,
  type SampleSheetEntry,
  SampleSheetEntrySchema,
  type UploadCredentials,
  UploadCredentialsSchema,
  type UploadPostData,
  UploadPostDataSchema,
  type UploadUrl,
  UploadUrlSchema,
  type User,
  UserSchema,
} from './models.js';
import { DEFAULT_PAGE_SIZE, Paginated } from './pagination.js';
import { SecretScrubber } from './redact.js';
import { type AssignableEntry, assignmentBody } from './serialize.js';
import { nonEmptyString, normalizeUuid, oneOf } from './validate.js';

export interface GencoveClientOptions {
  /** API origin; default `https://api.gencove.com`. Any path is discarded. */
  host?: string;
  /** API key; when set it always wins over e-mail/password. */
  apiKey?: string;
  email?: string;
  password?: string;
  /** Called when the server asks for a one-time password during login. */
  otp?: OtpProvider;
  /** S3 endpoint override for uploads (kept for upload jobs; unused by the client). */
  s3Endpoint?: string;
  /** Connect / headers / body timeout per request; default 120 000 ms. */
  timeoutMs?: number;
  /** Retry policy overrides (see `RetryPolicy`). */
  retry?: Partial<RetryPolicyOptions>;
  /** undici dispatcher to use instead of the client's own keep-alive agent. */
  agent?: Dispatcher;
  /** Prepended to the User-Agent header. */
  userAgent?: string;
  /** Receives redacted request/response/retry/auth events. Exceptions are swallowed. */
  onEvent?: ClientEventListener;
  /**
   * Called with each secret the client learns, once per distinct value, before the secret is
   * used or any event follows: the API key and password (during construction), every JWT
   * access/refresh token (login and refresh), every one-time password before it is sent, the
   * access key, secret key and session token of upload credentials, and values passed to
   * `addSecrets`. For log maskers such as GitHub's `core.setSecret`. Values shorter than 3
   * characters are not reported (the scrubber ignores them too). An exception thrown here fails
   * the operation that learned the secret: nothing goes on unmasked.
   */
  onSecret?: (value: string) => void;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface ListProjectsOptions extends CallOptions {
  hiddenStatus?: HiddenStatusFilter;
}

/** Filters of `GET /api/v2/project-samples/{id}` (spec §7.1) and their defaults. */
export interface ProjectSampleFilters {
  /** Sample ID, client ID or metadata substring. Omitted unless given. */
  search?: string;
  /** Default `all`. */
  status?: SampleStatusFilter;
  /** Default `all`. */
  archiveStatus?: ArchiveStatusFilter;
  /** Default `visible`. */
  hiddenStatus?: HiddenStatusFilter;
  /** Default `modified`. */
  sortBy?: SampleSortField;
  /** Default `desc`. */
  sortOrder?: SortOrder;
}

/** Filters of `GET /api/v2/sample-sheet/` (spec §5) and their defaults. */
export interface SampleSheetFilters {
  search?: string;
  /** Default `all`. */
  status?: SheetStatusFilter;
  /** Default `created`. */
  sortBy?: SheetSortField;
  /** Default `desc`. */
  sortOrder?: SortOrder;
}

export interface ListFileTypesOptions extends CallOptions {
  projectId?: string;
  object?: FileTypeObject;
}

export interface CreateProjectInput {
  name: string;
  /** Pipeline capability UUID. */
  pipelineCapabilities: string;
}

const P = '/api/v2';

export class GencoveClient {
  /** API origin in use. */
  readonly host: string;
  readonly s3Endpoint?: string;
  readonly retryPolicy: RetryPolicy;
  readonly #transport: HttpTransport;
  readonly #api: ApiRequester;
  readonly #auth: Authenticator;
  readonly #scrubber: SecretScrubber;
  readonly #listener: ClientEventListener | undefined;

  constructor(options: GencoveClientOptions = {}) {
    this.host = normalizeHost(options.host ?? DEFAULT_HOST);
    if (options.s3Endpoint) this.s3Endpoint = options.s3Endpoint;
    if (options.timeoutMs !== undefined && !(options.timeoutMs > 0)) {
      throw new InvalidArgumentError('timeoutMs', 'timeoutMs must be a positive number');
    }
    this.#listener = options.onEvent;
    this.#scrubber = options.onSecret
      ? new ReportingScrubber(options.onSecret)
      : new SecretScrubber();
    this.retryPolicy = new RetryPolicy(options.retry);
    this.#transport = new HttpTransport({
      ...(options.agent ? { dispatcher: options.agent } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
    const emit = (e: ClientEvent) => this.#emit(e);
    this.#api = new ApiRequester({
      origin: this.host,
      transport: this.#transport,
      retry: this.retryPolicy,
      scrubber: this.#scrubber,
      emit,
      ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    });
    this.#auth = new Authenticator({
      ...(options.apiKey ? { apiKey: options.apiKey } : {}),
      ...(options.email ? { email: options.email } : {}),
      ...(options.password !== undefined ? { password: options.password } : {}),
      ...(options.otp ? { otp: options.otp } : {}),
      requester: this.#api,
      scrubber: this.#scrubber,
      emit,
    });
    this.#api.setAuth(this.#auth);
  }

  /** `api-key`, `jwt` (e-mail + password) or `none`. */
  get authMode(): AuthMode {
    return this.#auth.mode;
  }

  /** The undici dispatcher used for API calls (jobs may reuse it, e.g. for downloads). */
  get dispatcher(): Dispatcher {
    return this.#transport.dispatcher;
  }

  /** Request timeout (connect / headers / body) in ms. */
  get timeoutMs(): number {
    return this.#transport.timeoutMs;
  }

  /** Remove every credential this client knows (and credential patterns) from text. */
  redact(text: string): string {
    return this.#scrubber.text(text);
  }

  /** Register extra secret values to be scrubbed from errors and events. */
  addSecrets(...values: Array<string | null | undefined>): void {
    this.#scrubber.add(...values);
  }

  #emit(event: ClientEvent): void {
    if (!this.#listener) return;
    try {
      this.#listener(event);
    } catch {
      // listeners must not break requests
    }
  }

  /** Low-level request on the API origin (auth, retry, redaction included). */
  async request<S extends z.ZodType = z.ZodType>(options: RequestOptions<S>): Promise<z.infer<S>> {
    return this.#api.request(options);
  }

  // auth ---------------------------------------------------------------------

  /**
   * E-mail mode: obtain a JWT pair now (asking `otp` if needed). API-key mode: no
   * network call (a bad key surfaces on the first request — use `getUser()` to check).
   */
  async login(options: CallOptions = {}): Promise<void> {
    await this.#auth.login(options.signal);
  }

  /** `GET /api/v2/user/` — cheap credential check. */
  async getUser(options: CallOptions = {}): Promise<User> {
    return this.#api.request({ path: `${P}/user/`, schema: UserSchema, signal: options.signal });
  }

  /** `GET /api/v2/organization/`. */
  async getOrganization(options: CallOptions = {}): Promise<Organization> {
    return this.#api.request({
      path: `${P}/organization/`,
      schema: OrganizationSchema,
      signal: options.signal,
    });
  }

  // projects -----------------------------------------------------------------

  /** `GET /api/v2/projects/` (all pages, 200 per page). */
  listProjects(options: ListProjectsOptions = {}): Paginated<Project> {
    const hidden = oneOf(options.hiddenStatus ?? 'visible', HIDDEN_STATUS_FILTERS, 'hiddenStatus');
    return this.#paginate(
      `${P}/projects/`,
      { hidden_status: hidden },
      ProjectSchema,
      options.signal,
    );
  }

  /** `GET /api/v2/projects/{id}` (incl. project-level `files`). */
  async getProject(projectId: string, options: CallOptions = {}): Promise<ProjectDetail> {
    const id = normalizeUuid(projectId, 'projectId');
    return this.#api.request({
      path: `${P}/projects/${id}`,
      schema: ProjectDetailSchema,
      signal: options.signal,
    });
  }

  /** `POST /api/v2/projects/` — not retried after ambiguous failures. */
  async createProject(input: CreateProjectInput, options: CallOptions = {}): Promise<Project> {
    const name = nonEmptyString(input?.name, 'name');
    const capability = normalizeUuid(input?.pipelineCapabilities, 'pipelineCapabilities');
    return this.#api.request({
      method: 'POST',
      path: `${P}/projects/`,
      body: { name, pipeline_capabilities: capability },
      schema: ProjectSchema,
      signal: options.signal,
    });
  }

  // samples ------------------------------------------------------------------

  #sampleQuery(filters: ProjectSampleFilters): Record<string, string | undefined> {
    return {
      search: filters.search === undefined ? undefined : String(filters.search),
      status: oneOf(filters.status ?? 'all', SAMPLE_STATUS_FILTERS, 'status'),
      archive_status: oneOf(
        filters.archiveStatus ?? 'all',
        ARCHIVE_STATUS_FILTERS,
        'archiveStatus',
      ),
      hidden_status: oneOf(
        filters.hiddenStatus ?? 'visible',
        HIDDEN_STATUS_FILTERS,
        'hiddenStatus',
      ),
      sort_by: oneOf(filters.sortBy ?? 'modified', SAMPLE_SORT_FIELDS, 'sortBy'),
      sort_order: oneOf(filters.sortOrder ?? 'desc', SORT_ORDERS, 'sortOrder'),
    };
  }

  /** `GET /api/v2/project-samples/{id}` (all pages). Arguments are validated eagerly. */
  listProjectSamples(
    projectId: string,
    filters: ProjectSampleFilters & CallOptions = {},
  ): Paginated<SampleListItem> {
    const id = normalizeUuid(projectId, 'projectId');
    return this.#paginate(
      `${P}/project-samples/${id}`,
      this.#sampleQuery(filters),
      SampleListItemSchema,
      filters.signal,
    );
  }

  /** Number of samples matching the filters (`meta.count` of the first page). */
  async countProjectSamples(
    projectId: string,
    filters: ProjectSampleFilters & CallOptions = {},
  ): Promise<number> {
    const id = normalizeUuid(projectId, 'projectId');
    const listing = this.#paginate(
      `${P}/project-samples/${id}`,
      this.#sampleQuery(filters),
      SampleListItemSchema,
      filters.signal,
      1,
    );
    const first = await listing.firstPage();
    if (first.count !== undefined) return first.count;
    let n = 0;
    for await (const page of listing.pages()) n += page.items.length;
    return n;
  }

  /** `GET /api/v2/samples/{id}` — details with deliverable `files` (`[]` when absent). */
  async getSample(sampleId: string, options: CallOptions = {}): Promise<SampleDetail> {
    const id = normalizeUuid(sampleId, 'sampleId');
    return this.#api.request({
      path: `${P}/samples/${id}`,
      schema: SampleDetailSchema,
      signal: options.signal,
    });
  }

  /** `GET /api/v2/sample-quality-controls/{id}` — every QC result (all pages). */
  async getSampleQc(sampleId: string, options: CallOptions = {}): Promise<QcResult[]> {
    const id = normalizeUuid(sampleId, 'sampleId');
    return this.#paginate(
      `${P}/sample-quality-controls/${id}`,
      {},
      QcResultSchema,
      options.signal,
    ).toArray();
  }

  /** `GET /api/v2/sample-metadata/{id}` — the inner `metadata` value (any JSON or null). */
  async getSampleMetadata(sampleId: string, options: CallOptions = {}): Promise<unknown> {
    const id = normalizeUuid(sampleId, 'sampleId');
    const res = await this.#api.request({
      path: `${P}/sample-metadata/${id}`,
      schema: MetadataWrapperSchema,
      signal: options.signal,
    });
    return res.metadata;
  }

  /** `POST /api/v2/sample-metadata/{id}` with `{"metadata": value}`; returns the stored value. */
  async setSampleMetadata(
    sampleId: string,
    metadata: unknown,
    options: CallOptions = {},
  ): Promise<unknown> {
    const id = normalizeUuid(sampleId, 'sampleId');
    if (metadata === undefined) {
      throw new InvalidArgumentError(
        'metadata',
        'metadata must be a JSON value (use null to clear)',
      );
    }
    const res = await this.#api.request({
      method: 'POST',
      path: `${P}/sample-metadata/${id}`,
      body: { metadata },
      schema: AnyObjectSchema,
      signal: options.signal,
    });
    return Object.hasOwn(res, 'metadata') ? res.metadata : metadata;
  }

  /** `GET /api/v2/file-types/` (optionally per project / object kind); all pages. */
  async listFileTypes(options: ListFileTypesOptions = {}): Promise<FileType[]> {
    const query: Record<string, string> = {};
    if (options.projectId !== undefined)
      query.project_id = normalizeUuid(options.projectId, 'projectId');
    if (options.object !== undefined)
      query.object = oneOf(options.object, FILE_TYPE_OBJECTS, 'object');
    return this.#paginate(`${P}/file-types/`, query, FileTypeSchema, options.signal).toArray();
  }

  /** `GET /api/v2/files/{id}.sha256?filename=…` — the `sha256sum` line, verbatim. */
  async getFileChecksum(
    fileId: string,
    filename: string,
    options: CallOptions = {},
  ): Promise<string> {
    const id = normalizeUuid(fileId, 'fileId');
    const name = nonEmptyString(filename, 'filename');
    return (await this.#api.request({
      path: `${P}/files/${id}.sha256`,
      query: { filename: name },
      responseType: 'text',
      signal: options.signal,
    })) as string;
  }

  #sampleIds(sampleIds: readonly string[]): string[] {
    if (!Array.isArray(sampleIds)) {
      throw new InvalidArgumentError('sampleIds', 'sampleIds must be an array of UUIDs');
    }
    return sampleIds.map((s, i) => normalizeUuid(s, `sampleIds[${i}]`));
  }

  /** `POST /api/v2/project-restore-samples/{id}` (202). An empty list restores all archived samples. */
  async restoreSamples(
    projectId: string,
    sampleIds: readonly string[],
    options: CallOptions = {},
  ): Promise<void> {
    await this.#sampleOperation('POST', 'project-restore-samples', projectId, sampleIds, options);
  }

  /** `POST /api/v2/project-hide-samples/{id}`. */
  async hideSamples(projectId: string, sampleIds: readonly string[], options: CallOptions = {}) {
    await this.#sampleOperation('POST', 'project-hide-samples', projectId, sampleIds, options);
  }

  /** `POST /api/v2/project-unhide-samples/{id}`. */
  async unhideSamples(projectId: string, sampleIds: readonly string[], options: CallOptions = {}) {
    await this.#sampleOperation('POST', 'project-unhide-samples', projectId, sampleIds, options);
  }

  /** `DELETE /api/v2/project-delete-samples/{id}` (JSON body). */
  async deleteSamples(projectId: string, sampleIds: readonly string[], options: CallOptions = {}) {
    await this.#sampleOperation('DELETE', 'project-delete-samples', projectId, sampleIds, options);
  }

  async #sampleOperation(
    method: 'POST' | 'DELETE',
    name: string,
    projectId: string,
    sampleIds: readonly string[],
    options: CallOptions,
  ): Promise<void> {
    const id = normalizeUuid(projectId, 'projectId');
    const ids = this.#sampleIds(sampleIds);
    await this.#api.request({
      method,
      path: `${P}/${name}/${id}`,
      body: { sample_ids: ids },
      signal: options.signal,
    });
  }

  // uploads ------------------------------------------------------------------

  /**
   * `POST /api/v2/upload-credentials/` — temporary S3 credentials. The returned
   * secrets are registered for redaction.
   */
  async getUploadCredentials(options: CallOptions = {}): Promise<UploadCredentials> {
    const creds = await this.#api.request({
      method: 'POST',
      path: `${P}/upload-credentials/`,
      body: {},
      schema: UploadCredentialsSchema,
      signal: options.signal,
    });
    this.#scrubber.add(creds.access_key, creds.secret_key, creds.token);
    return creds;
  }

  /**
   * `POST /api/v2/uploads-post-data/` — reserve (or look up) the upload for a
   * `gncv://` destination. Re-POSTed while `last_status` is missing (spec §3.7).
   */
  async createUpload(destinationPath: string, options: CallOptions = {}): Promise<UploadPostData> {
    const dest = gncvPath(destinationPath, 'destinationPath');
    return this.#api.request({
      method: 'POST',
      path: `${P}/uploads-post-data/`,
      body: { destination_path: dest },
      schema: UploadPostDataSchema,
      incomplete: (v) => (v.last_status ? undefined : 'field "last_status" is missing'),
      signal: options.signal,
    });
  }

  /** `POST /api/v2/uploads-url/` — register a FASTQ by http(s) URL. */
  async createUrlUpload(
    destinationPath: string,
    sourceUrl: string,
    options: CallOptions = {},
  ): Promise<UploadUrl> {
    const dest = gncvPath(destinationPath, 'destinationPath');
    let url: URL | undefined;
    try {
      url = new URL(sourceUrl);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
      throw new InvalidArgumentError('sourceUrl', 'sourceUrl must be an http:// or https:// URL');
    }
    return this.#api.request({
      method: 'POST',
      path: `${P}/uploads-url/`,
      body: { destination_path: dest, source_url: sourceUrl },
      schema: UploadUrlSchema,
      signal: options.signal,
    });
  }

  /** `GET /api/v2/sample-sheet/` (all pages). */
  listSampleSheet(filters: SampleSheetFilters & CallOptions = {}): Paginated<SampleSheetEntry> {
    const query = {
      search: filters.search === undefined ? undefined : String(filters.search),
      status: oneOf(filters.status ?? 'all', SHEET_STATUS_FILTERS, 'status'),
      sort_by: oneOf(filters.sortBy ?? 'created', SHEET_SORT_FIELDS, 'sortBy'),
      sort_order: oneOf(filters.sortOrder ?? 'desc', SORT_ORDERS, 'sortOrder'),
    };
    return this.#paginate(`${P}/sample-sheet/`, query, SampleSheetEntrySchema, filters.signal);
  }

  /**
   * `POST /api/v2/project-samples/{id}` — assign sheet entries to a project (ONE
   * request; batching is the caller's job). Entries are serialised as in spec §6.3;
   * `metadata` defaults to null. Never retried after an ambiguous failure.
   */
  async assignUploads(
    projectId: string,
    entries: readonly AssignableEntry[],
    metadata: unknown = null,
    options: CallOptions = {},
  ): Promise<AssignmentResponse> {
    const id = normalizeUuid(projectId, 'projectId');
    const body = assignmentBody(entries, metadata);
    return this.#api.request({
      method: 'POST',
      path: `${P}/project-samples/${id}`,
      body,
      schema: AssignmentResponseSchema,
      signal: options.signal,
    });
  }

  // plumbing -----------------------------------------------------------------

  #paginate<S extends z.ZodType>(
    path: string,
    query: Record<string, string | undefined>,
    item: S,
    signal: AbortSignal | undefined,
    pageSize = DEFAULT_PAGE_SIZE,
  ): Paginated<z.infer<S>> {
    const schema = pageSchema(item);
    return new Paginated<z.infer<S>>(
      (offset, limit, sig) =>
        this.#api.request({
          path,
          query: { ...query, offset, limit },
          schema,
          signal: sig,
        }) as Promise<PageEnvelope<z.infer<S>>>,
      { pageSize, endpoint: `GET ${path}`, ...(signal ? { signal } : {}) },
    );
  }

  /** Destroy the client's own agent (a caller-supplied `agent` is left open). */
  async close(): Promise<void> {
    await this.#transport.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Shortest value `SecretScrubber` remembers; shorter ones would mask ordinary text. */
const MIN_SECRET_LENGTH = 3;

/** A scrubber that also reports each new secret to `onSecret` as it learns it. */
class ReportingScrubber extends SecretScrubber {
  readonly #report: (value: string) => void;
  readonly #reported = new Set<string>();

  constructor(report: (value: string) => void) {
    super();
    this.#report = report;
  }

  override add(...values: Array<string | null | undefined>): void {
    // scrub first: a reporter that throws must not leave the value unscrubbed
    super.add(...values);
    for (const value of values) {
      if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) continue;
      if (this.#reported.has(value)) continue;
      this.#report(value);
      this.#reported.add(value);
    }
  }
}

function gncvPath(value: unknown, argument: string): string {
  if (
    typeof value !== 'string' ||
    !value.startsWith('gncv://') ||
    value.length <= 'gncv://'.length
  ) {
    throw new InvalidArgumentError(
      argument,
      `${argument} must be a gncv:// path, e.g. gncv://run-a/S1_R1.fastq.gz`,
    );
  }
  return value;
}
