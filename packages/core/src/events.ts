/**
 * Events emitted by the client (`onEvent`). All URLs, headers and bodies are
 * redacted; no event ever carries a credential.
 */
import type { RetryReason } from './http/retry.js';

export interface RequestEvent {
  type: 'request';
  /** Identifies one logical call; shared by its retries. */
  callId: number;
  attempt: number;
  method: string;
  /** Full URL with credential-bearing query parameters redacted. */
  url: string;
  headers: Record<string, string | string[]>;
  /** Redacted JSON body (passwords, tokens and keys replaced by `[REDACTED]`). */
  body?: unknown;
}

export interface ResponseEvent {
  type: 'response';
  callId: number;
  attempt: number;
  method: string;
  url: string;
  status: number;
  durationMs: number;
  requestId?: string;
}

/** A transport-level failure (no HTTP response). */
export interface RequestErrorEvent {
  type: 'request-error';
  callId: number;
  attempt: number;
  method: string;
  url: string;
  code: string;
  message: string;
  durationMs: number;
}

export interface RetryEvent {
  type: 'retry';
  callId: number;
  method: string;
  /** URL path, no query. */
  endpoint: string;
  /** The attempt that failed (1-based). */
  attempt: number;
  delayMs: number;
  reason: RetryReason;
  code: string;
  status?: number;
  /** Name of the endpoint retry rule in effect (spec §1.6), if any. */
  rule?: string;
}

export interface AuthLoginEvent {
  type: 'auth-login';
  phase: 'start' | 'otp-required' | 'success' | 'failure';
}

export interface AuthRefreshEvent {
  type: 'auth-refresh';
  phase: 'start' | 'success' | 'failure' | 'relogin';
}

export type ClientEvent =
  | RequestEvent
  | ResponseEvent
  | RequestErrorEvent
  | RetryEvent
  | AuthLoginEvent
  | AuthRefreshEvent;

export type ClientEventListener = (event: ClientEvent) => void;
