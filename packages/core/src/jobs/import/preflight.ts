/**
 * Offline checks of each URL before anything is registered: transport security and the
 * expiry of presigned URLs. Problems stop the import; warnings are returned.
 */
import type { MapFileProblem } from '../mapfile/index.js';
import {
  type ExpiryReading,
  formatDuration,
  MAX_V4_LIFETIME_SECONDS,
  readUrlExpiry,
  SCHEME_LABELS,
} from './expiry.js';
import { isLoopbackHost } from './loopback.js';
import type { UrlRef, UrlWarning } from './types.js';

export const DEFAULT_EXPIRY_MARGIN_MS = 24 * 3600 * 1000;

export interface PreflightOptions {
  now: Date;
  /** Warn (or fail, with `strictExpiry`) when a URL expires sooner than this. */
  expiryMarginMs: number;
  strictExpiry: boolean;
}

export interface PreflightResult {
  problems: MapFileProblem[];
  warnings: UrlWarning[];
  /** ISO 8601 expiry, when the URL says. */
  expiresAt?: string;
}

/** The URL without query, fragment or userinfo: what messages show. */
export function displayUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

export function preflightUrl(ref: UrlRef, url: URL, options: PreflightOptions): PreflightResult {
  const problems: MapFileProblem[] = [];
  const warnings: UrlWarning[] = [];
  const shown = displayUrl(url);
  const problem = (message: string) => problems.push({ line: ref.line, message });

  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    problem(
      `${shown}: plain http is refused (the URL and its signature would cross the network unencrypted); use https`,
    );
  }

  const reading = readUrlExpiry(url);
  const expiresAt = reading.kind === 'expires' ? reading.expiresAt.toISOString() : undefined;
  checkExpiry(reading, shown, options, problem, (code, message) =>
    warnings.push({ ...ref, code, message, ...(expiresAt ? { expiresAt } : {}) }),
  );
  return { problems, warnings, ...(expiresAt ? { expiresAt } : {}) };
}

function checkExpiry(
  reading: ExpiryReading,
  shown: string,
  options: PreflightOptions,
  problem: (message: string) => void,
  warn: (code: UrlWarning['code'], message: string) => void,
): void {
  if (reading.kind === 'unsigned') return;
  const label = SCHEME_LABELS[reading.scheme];
  if (reading.kind === 'unknown') {
    warn('expiry-unknown', `${shown}: ${label} whose expiry cannot be checked: ${reading.why}`);
    return;
  }
  if (reading.kind === 'malformed') {
    const message = `${shown}: cannot read the expiry of this ${label}: ${reading.why}`;
    if (options.strictExpiry) problem(message);
    else warn('expiry-unreadable', message);
    return;
  }
  if (reading.lifetimeMs !== undefined && reading.lifetimeMs > MAX_V4_LIFETIME_SECONDS * 1000) {
    problem(
      `${shown}: ${label} is signed for ${formatDuration(reading.lifetimeMs)}, but the storage refuses signatures valid for more than 7 days; presign it again with at most 7d`,
    );
    return;
  }
  if (reading.temporaryCredentials) {
    const message = `${shown}: ${label} signed with temporary credentials (X-Amz-Security-Token): it stops working when that session ends — often 1 to 12 hours after it began — whatever X-Amz-Expires says; presign with long-lived credentials for imports`;
    if (options.strictExpiry) problem(message);
    else warn('temporary-credentials', message);
  }
  const at = reading.expiresAt.toISOString().replace('.000Z', 'Z');
  const remaining = reading.expiresAt.getTime() - options.now.getTime();
  if (remaining <= 0) {
    problem(
      `${shown}: ${label} expired at ${at} (${formatDuration(-remaining)} ago); presign it again (if it should still be valid, check this computer's clock)`,
    );
  } else if (remaining < options.expiryMarginMs) {
    const message = `${shown}: ${label} expires in ${formatDuration(remaining)} (${at}), within the ${formatDuration(options.expiryMarginMs)} margin; Gencove fetches URLs only when the samples run — presign with a longer expiry`;
    if (options.strictExpiry) problem(message);
    else warn('expires-soon', message);
  }
}
