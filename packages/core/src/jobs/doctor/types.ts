import type { S3Client } from '@aws-sdk/client-s3';
import type { GencoveClient } from '../../client.js';

export type DoctorCheckId =
  | 'host'
  | 'tls'
  | 'credentials'
  | 'clock'
  | 'destination'
  | 's3-endpoint';

/** `warn` does not fail the run; `skip` means the check could not or need not run. */
export type DoctorStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface DoctorCheck {
  id: DoctorCheckId;
  status: DoctorStatus;
  /** One line: what was found. Never contains a secret. */
  summary: string;
  /** What to do about it (warn / fail). */
  fix?: string;
  /** Facts for machines (`--json`): status codes, bytes, milliseconds, … */
  details?: Record<string, string | number | boolean | null>;
  durationMs: number;
}

export interface DoctorReport {
  /** True when no check failed (warnings allowed). */
  ok: boolean;
  host: string;
  checks: DoctorCheck[];
}

export type DoctorEvent = { type: 'check'; check: DoctorCheck };

export interface DoctorOptions {
  /** API origin (from `resolveConfig`). */
  host: string;
  /** Where `host` came from, for messages: `GENCOVE_HOST`, `--host`, `default`. */
  hostSource?: string;
  /** Client for the credential check; omit it when credentials are missing (see below). */
  client?: Pick<GencoveClient, 'getUser'>;
  /** Why no client could be built (e.g. no API key and no e-mail): reported as a failed check. */
  credentialsProblem?: string;
  /** Where the credentials came from, for messages: `API key from GENCOVE_API_KEY`. */
  credentialSource?: string;
  /** A local folder or `s3://bucket/prefix` that downloads will be written to. */
  destination?: string;
  /**
   * For an `s3://` destination: S3-compatible endpoint and region (else the AWS chain's), or a
   * client of your own (it is not destroyed).
   */
  s3Destination?: { endpoint?: string; region?: string; client?: S3Client };
  /** Below this much free space a local destination fails. Default 1 GiB. */
  minFreeBytes?: number;
  /** Upload S3 endpoint override (`GENCOVE_LOCALSTACK_S3_ENDPOINT`). */
  uploadEndpoint?: string;
  /** Contact the AWS S3 endpoint even without an override (otherwise it is only reported). */
  checkS3?: boolean;
  /** Time limit of each network check. Default 10 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
  onEvent?: (event: DoctorEvent) => void;
  /** Injectable clock (tests). */
  now?: () => number;
}
