import type { AssignEvent, AssignedSample } from '../assign/index.js';
import type { ReadNotation } from '../mapfile/index.js';

/** Identifies one (client_id, read) group of the map file. */
export interface UrlRef {
  clientId: string;
  read: ReadNotation;
  /** Line of the URL in the map file. */
  line: number;
}

export type UrlWarningCode =
  | 'expires-soon'
  | 'expiry-unknown'
  | 'expiry-unreadable'
  | 'temporary-credentials';

export interface UrlWarning extends UrlRef {
  code: UrlWarningCode;
  /** Credential-free. */
  message: string;
  /** ISO 8601, when known. */
  expiresAt?: string;
}

/** Outcome of probing one URL (`checkUrls`). */
export interface UrlCheck extends UrlRef {
  ok: boolean;
  /** How it was reached: `HEAD`, or a 1-byte ranged `GET` when HEAD is refused. */
  method?: 'HEAD' | 'GET';
  status?: number;
  /** Object size in bytes, when the server said. */
  size?: number;
  /** Why it is unreachable (credential-free). */
  reason?: string;
}

/** One URL to register, as shown to people and programs: the URL without its query. */
export interface PlannedUrlUpload extends UrlRef {
  destinationPath: string;
  /** The URL with credentials redacted (signatures, tokens, userinfo). */
  source: string;
  /** When the signature expires, if the URL says. */
  expiresAt?: string;
}

export interface UrlImportPlan {
  /** Normalised `gncv://` folder, generated (`cli-url-…`) when none was given. */
  destination: string;
  uploads: PlannedUrlUpload[];
  warnings: UrlWarning[];
  /** Present when `checkUrls` was set. */
  checks?: UrlCheck[];
}

export interface ImportedUpload extends PlannedUrlUpload {
  uploadId: string;
  /** `last_status.status` of the new upload (`succeeded` straight away for URL imports). */
  status?: string;
}

export interface UrlImportResult {
  destination: string;
  uploads: ImportedUpload[];
  warnings: UrlWarning[];
  checks?: UrlCheck[];
  /** Present when a project was given. */
  samples?: AssignedSample[];
}

export type ImportEvent =
  | { type: 'import-plan'; destination: string; total: number }
  | { type: 'url-warning'; warning: UrlWarning }
  | { type: 'url-check-start'; total: number }
  | { type: 'url-checked'; check: UrlCheck; done: number; total: number }
  | { type: 'url-registered'; upload: ImportedUpload; done: number; total: number }
  | { type: 'import-registered'; uploads: number }
  | AssignEvent;
