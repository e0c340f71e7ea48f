import { setTimeout as sleep } from 'node:timers/promises';
import { AbortError } from '../../errors.js';
import type { UploadCredentialProvider } from './credentials.js';
import { S3TransferError, SourceChangedError } from './errors.js';

export const S3_MAX_ATTEMPTS = 8;
const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 20_000;

const RETRYABLE_NAMES = new Set([
  'SlowDown',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'InternalError',
  'ServiceUnavailable',
  'ThrottlingException',
  'TimeoutError',
  'BadGateway',
]);
const CREDENTIAL_NAMES = new Set(['ExpiredToken', 'TokenRefreshRequired', 'ExpiredTokenException']);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
]);

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

export type S3RetryReason = 'credentials' | 'throttled' | 'server-error' | 'network';

export function classifyS3Error(error: unknown): S3RetryReason | undefined {
  const e = error as SdkError;
  const status = e?.$metadata?.httpStatusCode;
  if (e?.name && CREDENTIAL_NAMES.has(e.name)) return 'credentials';
  if (status === 429 || e?.name === 'SlowDown' || e?.name === 'ThrottlingException')
    return 'throttled';
  if ((status !== undefined && status >= 500) || (e?.name && RETRYABLE_NAMES.has(e.name)))
    return 'server-error';
  if (e?.code && NETWORK_CODES.has(e.code)) return 'network';
  if (status === undefined && e?.name !== undefined && /Error$/.test(e.name) && e.code)
    return 'network';
  return undefined;
}

export function s3ErrorName(error: unknown): string | undefined {
  return (error as SdkError)?.name;
}

export interface S3RetryOptions {
  /** What is being done, for messages: `upload part 3 of gncv://…`. */
  what: string;
  signal?: AbortSignal;
  credentials: UploadCredentialProvider;
  onRetry?: (info: {
    attempt: number;
    delayMs: number;
    reason: S3RetryReason;
    error: string;
  }) => void;
  maxAttempts?: number;
  /** Scrubs known secrets from the messages it builds. */
  redact?: (text: string) => string;
}

/**
 * Runs one S3 operation with its own retries: throttling, 5xx and connection failures with
 * full-jitter backoff; ExpiredToken after fetching fresh credentials. Anything else, or the
 * last failure, becomes an {@link S3TransferError} naming the operation.
 */
export async function withS3Retry<T>(
  operation: (attempt: number) => Promise<T>,
  options: S3RetryOptions,
): Promise<T> {
  const maxAttempts = options.maxAttempts ?? S3_MAX_ATTEMPTS;
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) throw new AbortError();
    try {
      return await operation(attempt);
    } catch (error) {
      if (options.signal?.aborted) throw new AbortError();
      if (error instanceof SourceChangedError || error instanceof AbortError) throw error;
      const reason = classifyS3Error(error);
      if (!reason || attempt >= maxAttempts) {
        throw toTransferError(error, options.what, attempt, options.redact);
      }
      const delayMs =
        reason === 'credentials'
          ? 0
          : Math.floor(Math.random() * Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attempt - 1)));
      options.onRetry?.({ attempt, delayMs, reason, error: describe(error) });
      if (reason === 'credentials') {
        await options.credentials.refresh();
      } else {
        try {
          await sleep(delayMs, undefined, { signal: options.signal });
        } catch {
          throw new AbortError();
        }
      }
    }
  }
}

function describe(error: unknown): string {
  const e = error as SdkError;
  const status = e?.$metadata?.httpStatusCode;
  return `${e?.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}: ${e?.message ?? String(error)}`;
}

function toTransferError(
  error: unknown,
  what: string,
  attempts: number,
  redact: (text: string) => string = (text) => text,
): S3TransferError {
  const e = error as SdkError;
  return new S3TransferError(
    redact(
      `S3 refused to ${what}${attempts > 1 ? ` after ${attempts} attempts` : ''}: ${describe(error)}`,
    ),
    {
      code:
        e?.name === 'AccessDenied' || e?.name === 'InvalidAccessKeyId'
          ? 'ERR_GENCOVE_AUTH'
          : 'ERR_GENCOVE_S3',
      ...(e?.$metadata?.httpStatusCode !== undefined ? { status: e.$metadata.httpStatusCode } : {}),
    },
  );
}
