/** Public types of @gencove/sandbox. */

export type PipelineMode = 'instant' | 'manual' | { stepMs: number };

export interface SandboxOptions {
  /** Interface both servers bind to. Only loopback addresses are accepted. Default '127.0.0.1'. */
  host?: string;
  /** API port, default 0 (a free port). */
  port?: number;
  /** S3 (proxy) port, default 0 (a free port). */
  s3Port?: number;
  /**
   * Pipeline speed. Default `{ stepMs: 2000 }`: each stage (created → running → terminal) lasts
   * `stepMs` of pipeline clock, which follows real time plus every `control.advance(ms)`.
   * 'manual': only `control.advance(ms)` moves the clock (each stage lasts 1000 ms of it).
   * 'instant': samples finish during the assign request.
   */
  pipeline?: PipelineMode;
  /** JWT access lifetime in seconds, default 300. */
  accessTokenTtlSeconds?: number;
  /** `expiry_time` of upload-credentials in seconds, default 3600. */
  uploadCredentialsTtlSeconds?: number;
  /** Lifetime of presigned download URLs in seconds, default 3600. */
  downloadUrlTtlSeconds?: number;
  /** Signed webhooks (analysis_complete_v2 / samples_restored). The URL must be a loopback URL. */
  webhook?: { url: string; secret: string };
  /** Size of the seeded "large" project, default 0 (none). */
  largeProjectSamples?: number;
  /** s3rver directory; default a fresh temp dir removed on close(). */
  dataDir?: string;
  /**
   * Seeded chaos for the whole run (see README "Chaos"). Off by default; can also be switched on,
   * changed or off later with `control.setChaos()`.
   */
  chaos?: ChaosOptions;
}

export type FaultTarget = 'api' | 's3';

export type Fault =
  | { type: 'status'; status: number; retryAfter?: number; body?: unknown }
  | { type: 'maintenance'; eta?: string; message?: string }
  /** Destroy the socket without any response. */
  | { type: 'reset' }
  /** Wait `ms`, then answer normally (longer than the client's timeout = a timeout). */
  | { type: 'delay'; ms: number }
  /** Send the headers and half of the body, then close the connection (FIN). */
  | { type: 'truncate' }
  /**
   * Connection reset (RST) mid-body: a request body is cut after half of its declared length, or
   * (for requests without one) the response is cut after the headers and half of its body.
   */
  | { type: 'reset-mid-body' }
  /** S3 object reads only: one byte in the middle of the returned body is flipped. */
  | { type: 'corrupt' }
  /**
   * S3 requests signed with issued upload credentials only: 400 ExpiredToken although the
   * credentials' `expiry_time` is still ahead. `scope: 'request'` (default) refuses this request
   * only, so the effect stays on the request's own key (reproducible under concurrency);
   * `'credential'` expires the credentials for good, also for requests already in flight.
   */
  | { type: 'expire-credentials'; scope?: 'request' | 'credential' }
  /** Presigned download URLs only: this URL expires now (403 "Request has expired", also later). */
  | { type: 'expire-url' };

export type FaultType = Fault['type'];

export interface FaultMatch {
  /** HTTP method, case-insensitive. Any when omitted. */
  method?: string;
  /**
   * Request path without query. A string matches when the path starts with it (trailing slashes
   * ignored on both sides); a RegExp is tested against the path. Any when omitted.
   */
  path?: string | RegExp;
  /** 'api' or 's3'. Both when omitted. */
  target?: FaultTarget;
}

export interface FaultRule {
  match: FaultMatch;
  /** How many matching requests the rule applies to. Default 1; `Infinity` for all. */
  times?: number;
  fault: Fault;
}

export interface RequestLogEntry {
  /** Which server answered: the API or the S3 proxy. */
  target: FaultTarget;
  method: string;
  /** Path without query string. */
  path: string;
  query: Record<string, string>;
  /** HTTP status sent; 0 when the connection was destroyed without a response. */
  status: number;
  /** Arrival time, ms since the epoch. */
  at: number;
  /** Type of the fault applied to this request (by a fault rule or by chaos), if any. */
  fault?: FaultType;
}

/** Names of the built-in chaos profiles (see README "Chaos"). */
export type ChaosProfileName = 'flaky' | 'hostile' | 'slow' | 'webhooks';

export interface ChaosMatch {
  /** 'api', 's3' or both when omitted. */
  target?: FaultTarget;
  /** HTTP method, case-insensitive. */
  method?: string;
  /**
   * Operation: for the API `METHOD endpoint` with IDs as `{id}` (`POST uploads-post-data`,
   * `GET samples/{id}`, `POST project-samples/{id}`); for S3 the operation name (`PutObject`,
   * `UploadPart`, `CreateMultipartUpload`, `CompleteMultipartUpload`, `GetObject`, `HeadObject`,
   * `HeadBucket`, …). A string or list matches exactly; a RegExp is tested.
   */
  operation?: string | string[] | RegExp;
  /** RegExp tested against the stable resource name of the request (see README). */
  resource?: RegExp;
}

export interface WeightedFault {
  /** Relative weight among the rule's faults, default 1. */
  weight?: number;
  fault: Fault;
}

/**
 * One rule of a chaos profile. The first rule whose `match` fits a request decides its fate:
 * either with `probability` (then one of `faults`, by weight) or by a scripted `sequence` over the
 * n-th request of each resource (`null` = no fault; past the end: none, or from the start again
 * with `repeat`).
 */
export type ChaosRule =
  | { match: ChaosMatch; probability: number; faults: WeightedFault[] }
  | { match: ChaosMatch; sequence: Array<Fault | null>; repeat?: boolean };

export interface ChaosProfile {
  name: string;
  rules: ChaosRule[];
  /** Webhook chaos: probability that an event is delivered twice / held back behind the next. */
  webhooks?: { duplicate?: number; reorder?: number };
}

export interface ChaosOptions {
  /** Any integer; the same seed (and the same requests) gives the same faults. */
  seed: number;
  /** A built-in profile name or a profile of your own. Default 'flaky'. */
  profile?: ChaosProfileName | ChaosProfile;
  /**
   * Names a phase of a run: counters start again from 0 and the label is part of every key, so
   * each phase of a test is reproducible on its own whatever happened before it.
   */
  label?: string;
}

export interface ChaosLogEntry {
  /** `[label] target operation resource` — one independent fault sequence per key. */
  key: string;
  /** Index of the request within its key (0-based). */
  n: number;
  label: string;
  target: FaultTarget | 'webhook';
  operation: string;
  fault: Fault | { type: 'duplicate' } | { type: 'reorder' };
  at: number;
}

export interface ChaosReport {
  seed: number | null;
  profile: string | null;
  /** Requests seen per key while chaos was on (faulted or not). */
  counts: Record<string, number>;
  /** Every fault decided, in arrival order. */
  faults: ChaosLogEntry[];
}

export interface StatusSnapshot {
  id: string;
  status: string;
  note: string;
  created: string;
}

export interface ArchiveStatusSnapshot {
  id: string;
  status: string;
  created: string;
  transition_cutoff: string | null;
}

export interface UploadSnapshot {
  id: string;
  destination_path: string;
  bucket: string;
  key: string;
  status: string;
  last_status: StatusSnapshot;
  source: string;
  source_url: string | null;
  client_id: string;
  read: 'R1' | 'R2' | null;
  sample: string | null;
  deleted: boolean;
}

export interface SampleFileSnapshot {
  id: string;
  file_type: string;
  bucket: string;
  key: string;
  size: number;
  checksum_sha256: string;
  filename: string;
  /** Only for a file attached with `control.addExternalFiles`: where its bytes are served. */
  url?: string;
}

export interface SampleSnapshot {
  id: string;
  project: string;
  client_id: string;
  run: string;
  last_status: StatusSnapshot;
  archive_last_status: ArchiveStatusSnapshot;
  failed_qc: string[] | null;
  metadata: unknown;
  hidden: boolean;
  deleted: boolean;
  uploads: { r1: string | null; r2: string | null };
  files: SampleFileSnapshot[];
}

/**
 * A deliverable whose bytes you serve yourself (e.g. from nginx, to test big transfers that the
 * sandbox's own S3 could not feed fast enough), attached with `control.addExternalFiles`.
 */
export interface ExternalFile {
  /** Deliverable key, e.g. `alignment-bam` (not the synthetic `qc` / `metadata`). */
  fileType: string;
  /** Size in bytes, as the API reports it. */
  size: number;
  /** Lower-case hex sha256 the API reports as `checksum_sha256`; default `""` (unknown). */
  sha256?: string;
  /**
   * An http(s) URL on a loopback host, answered verbatim as the file's `download_url`. Whoever
   * serves it decides the bytes, `Range` support and the name (a `response-content-disposition`
   * query parameter, as on S3, or else the last path segment).
   */
  url: string;
  /** Name shown in `s3_path` and snapshots; default the URL's last path segment. */
  filename?: string;
}

export interface WebhookDelivery {
  event_type: string;
  url: string;
  /** HTTP status of the receiver, or 0 when the delivery failed at the transport level. */
  status: number;
  error?: string;
  body: string;
  signature: string;
  at: number;
}

export interface SandboxControl {
  /** Moves the pipeline clock; resolves once every transition that became due has completed. */
  advance(ms: number): Promise<void>;
  /**
   * Forces a sample's analysis status (takes it out of automatic progression). Terminal statuses
   * with deliverables (`succeeded`, `failed qc`) generate deliverables and emit the webhook.
   */
  setSampleStatus(sampleId: string, status: string, note?: string): Promise<void>;
  /** Archives samples: archive status `archived`, download_url null. */
  archiveSamples(ids: string[]): void;
  /** Completes every pending restore at once (→ `restored`) and emits `samples_restored`. */
  completeRestores(): Promise<void>;
  addFault(rule: FaultRule): string;
  removeFault(id: string): void;
  clearFaults(): void;
  /** Live log of every API and S3 request (control requests excluded). */
  readonly requests: readonly RequestLogEntry[];
  clearRequests(): void;
  /** Every access token issued so far becomes invalid (401 token_not_valid). */
  expireAccessTokens(): void;
  /** Every presigned download URL issued so far answers 403 "Request has expired". */
  expireDownloadUrls(): void;
  /** Every upload credential issued so far answers 400 ExpiredToken. */
  expireUploadCredentials(): void;
  /** Marks an upload deleted (its destination path is then refused by uploads-post-data). */
  deleteUpload(id: string): void;
  getUpload(id: string): UploadSnapshot | undefined;
  getSample(id: string): SampleSnapshot | undefined;
  /**
   * Attaches deliverables served from URLs of your own to a sample (each replaces the sample's
   * file of the same type; the pipeline never overwrites them). `GET samples/{id}` then lists
   * them in the usual shape with `download_url` = the given URL (`null` while archived). The
   * sample's status is not changed. Returns the sample's snapshot.
   */
  addExternalFiles(sampleId: string, files: ExternalFile[]): SampleSnapshot;
  /** Stored bytes of an object, or undefined when it does not exist. */
  s3Object(bucket: string, key: string): Promise<Buffer | undefined>;
  setHostileFilenames(on: boolean): void;
  corruptDownloads(on: boolean): void;
  truncateDownloads(on: boolean): void;
  /** Webhook deliveries attempted so far. */
  readonly webhooks: readonly WebhookDelivery[];
  /** Bucket names used by the sandbox. */
  readonly buckets: { uploads: string; results: string; external: string };
  /**
   * Stores `body` in the `external` bucket (a stand-in for a lab's own storage) and returns a
   * presigned GET URL for it, valid for `ttlSeconds` (default: the download URL lifetime).
   */
  putExternalObject(key: string, body: Buffer, ttlSeconds?: number): Promise<string>;
  /** Switches seeded chaos on (or to another seed / profile / phase label), or off with null. */
  setChaos(options: ChaosOptions | null): void;
  /** What chaos did so far: request counts and every fault decided, per key. */
  chaosReport(): ChaosReport;
  /**
   * Every secret value the sandbox has handed out or knows: the API key and passwords, every JWT
   * (access and refresh), every upload credential's secret key and session token, the webhook
   * secret, and the signature of every presigned URL. For leak checks.
   */
  issuedSecrets(): string[];
}

export interface SandboxProjects {
  default: string;
  empty: string;
  large?: string;
  other: string;
}

export interface Sandbox {
  /** API origin, e.g. http://127.0.0.1:41234 */
  url: string;
  /** S3 endpoint clients use (path-style), e.g. http://127.0.0.1:41235 */
  s3Url: string;
  apiKey: string;
  email: string;
  password: string;
  /** 2FA user; otpToken is the valid code. */
  mfa: { email: string; password: string; otpToken: string };
  /** other = a project of another organization (404 / not accessible). */
  projects: SandboxProjects;
  control: SandboxControl;
  /** Stops everything; leaves no process, timer or temp dir behind. */
  close(): Promise<void>;
}
