export * from './auth.js';
export * from './client.js';
export * from './config.js';
export * from './errors.js';
export * from './events.js';
export * from './filters.js';
export type { AuthProvider, QueryValue, RequestOptions } from './http/api.js';
export * from './http/response-errors.js';
export * from './http/retry.js';
export {
  DEFAULT_TIMEOUT_MS,
  HttpTransport,
  type HttpTransportOptions,
  sanitizeCause,
  type TransportRequest,
  type TransportResponse,
} from './http/transport.js';
export * from './jobs/assign/index.js';
export * from './jobs/destination.js';
export * from './jobs/doctor/index.js';
export * from './jobs/download/index.js';
export * from './jobs/import/index.js';
export * from './jobs/mapfile/index.js';
export * from './jobs/status/index.js';
export * from './jobs/upload/index.js';
export * from './models.js';
export * from './pagination.js';
export * from './redact.js';
export * from './serialize.js';
export * from './timestamps.js';
export * from './validate.js';
export { VERSION } from './version.js';
export * from './webhooks.js';
