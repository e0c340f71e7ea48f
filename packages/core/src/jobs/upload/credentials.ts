import type { S3ClientConfig } from '@aws-sdk/client-s3';
import type { UploadCredentials } from '../../models.js';
import { parseGencoveTimestamp } from '../../timestamps.js';

/** Refresh when fewer than this many ms remain, as botocore does for the official client. */
export const DEFAULT_CREDENTIAL_REFRESH_BEFORE_MS = 15 * 60_000;
/** Below this much remaining validity a failed refresh is fatal instead of retried later. */
const MIN_USABLE_MS = 30_000;

type Identity = {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
};

export interface UploadCredentialProviderOptions {
  /** `POST /upload-credentials/`. */
  fetch: (signal?: AbortSignal) => Promise<UploadCredentials>;
  refreshBeforeMs?: number;
  signal?: AbortSignal;
  onFetched?: (expiresAt: Date, refreshed: boolean) => void;
  now?: () => number;
}

/**
 * AWS SDK credential provider over Gencove's temporary upload credentials. The SDK calls it for
 * every request (it is marked memoized, so the SDK's own 5-minute window does not apply); it
 * re-POSTs upload-credentials once fewer than `refreshBeforeMs` remain — or half the lifetime of
 * short-lived credentials — so no request is signed with credentials about to expire.
 * Concurrent callers share one refresh.
 */
export class UploadCredentialProvider {
  readonly #options: UploadCredentialProviderOptions;
  readonly #now: () => number;
  #current: { identity: Identity; refreshAt: number } | undefined;
  #pending: Promise<Identity> | undefined;

  constructor(options: UploadCredentialProviderOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** For `S3ClientConfig.credentials`. */
  get provider(): NonNullable<S3ClientConfig['credentials']> {
    const provide = async () => this.get();
    return Object.assign(provide, { memoized: true });
  }

  async get(): Promise<Identity> {
    const current = this.#current;
    if (current && this.#now() < current.refreshAt) return current.identity;
    try {
      return await this.refresh();
    } catch (error) {
      // keep using credentials that are still good for a while; the next call tries again
      if (current && current.identity.expiration.getTime() - this.#now() > MIN_USABLE_MS) {
        return current.identity;
      }
      throw error;
    }
  }

  /** Fetches new credentials now (after S3 answered ExpiredToken, or eagerly before any file). */
  refresh(): Promise<Identity> {
    this.#pending ??= this.#fetch().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #fetch(): Promise<Identity> {
    const refreshed = this.#current !== undefined;
    const fetchedAt = this.#now();
    const creds = await this.#options.fetch(this.#options.signal);
    const expiration = parseGencoveTimestamp(creds.expiry_time);
    if (!expiration || Number.isNaN(expiration.getTime())) {
      throw new Error('upload-credentials returned an unreadable expiry_time');
    }
    const lifetime = expiration.getTime() - fetchedAt;
    const margin = Math.min(
      this.#options.refreshBeforeMs ?? DEFAULT_CREDENTIAL_REFRESH_BEFORE_MS,
      lifetime / 2,
    );
    const identity: Identity = {
      accessKeyId: creds.access_key,
      secretAccessKey: creds.secret_key,
      sessionToken: creds.token,
      expiration,
    };
    this.#current = { identity, refreshAt: expiration.getTime() - Math.max(0, margin) };
    this.#options.onFetched?.(expiration, refreshed);
    return identity;
  }
}
