export {
  type ExpiryReading,
  formatDuration,
  MAX_V4_LIFETIME_SECONDS,
  readUrlExpiry,
  type SignatureScheme,
} from './expiry.js';
export {
  type ImportApi,
  type ImportUrlsOptions,
  importUrls,
  UrlImportError,
} from './import-urls.js';
export { isLoopbackHost } from './loopback.js';
export {
  DEFAULT_IMPORT_CONCURRENCY,
  type PlanUrlImportOptions,
  planUrlImport,
  UrlPreflightError,
} from './plan.js';
export { DEFAULT_EXPIRY_MARGIN_MS } from './preflight.js';
export { DEFAULT_PROBE_TIMEOUT_MS } from './probe.js';
export type {
  ImportEvent,
  ImportedUpload,
  PlannedUrlUpload,
  UrlCheck,
  UrlImportPlan,
  UrlImportResult,
  UrlRef,
  UrlWarning,
  UrlWarningCode,
} from './types.js';
