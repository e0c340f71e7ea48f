/**
 * Authentication: API key (`Authorization: Api-Key …`, no network call) or e-mail +
 * password → JWT pair (`POST /api/v2/jwt-create/`, kept in memory only), with OTP
 * support and reactive refresh on 401 (spec §2).
 */
import {
  AbortError,
  AuthenticationError,
  ConfigError,
  GencoveError,
  OtpRequiredError,
  ValidationError,
} from './errors.js';
import type { ClientEvent } from './events.js';
import type { ApiRequester, AuthProvider } from './http/api.js';
import { JwtPairSchema, JwtRefreshSchema } from './models.js';
import type { SecretScrubber } from './redact.js';

export const JWT_CREATE_PATH = '/api/v2/jwt-create/';
export const JWT_REFRESH_PATH = '/api/v2/jwt-refresh/';

export interface OtpRequest {
  /** 1 for the first prompt, 2+ after the server rejected a code. */
  attempt: number;
  /** The server's explanation (scrubbed), if any. */
  message?: string;
}

/** Supplies a one-time password when the server asks for one. */
export type OtpProvider = (request: OtpRequest) => Promise<string>;

export type AuthMode = 'api-key' | 'jwt' | 'none';

export interface AuthenticatorOptions {
  apiKey?: string;
  email?: string;
  password?: string;
  otp?: OtpProvider;
  /** How many codes the `otp` callback may supply before giving up. Default 3. */
  maxOtpAttempts?: number;
  requester: ApiRequester;
  scrubber: SecretScrubber;
  emit: (event: ClientEvent) => void;
}

function isOtpChallenge(e: unknown): e is GencoveError {
  if (!(e instanceof GencoveError) || e.status === undefined || e.status >= 500) return false;
  if (
    (e instanceof ValidationError || e instanceof AuthenticationError) &&
    e.fieldErrors &&
    'otp_token' in e.fieldErrors
  ) {
    return true;
  }
  // The reference client checks the rendered message for `otp_token` (spec §2.2).
  return e.message.includes('otp_token');
}

function otpMessage(e: GencoveError): string | undefined {
  if (e instanceof ValidationError || e instanceof AuthenticationError) {
    const msgs = e.fieldErrors?.otp_token;
    if (msgs?.length) return msgs.join(' ');
  }
  return e.detail;
}

/** Await `promise` but stop waiting (not the promise itself) when `signal` aborts. */
function raceAbort<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new AbortError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AbortError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

export class Authenticator implements AuthProvider {
  readonly mode: AuthMode;
  readonly #o: AuthenticatorOptions;
  #access: string | undefined;
  #refresh: string | undefined;
  #loggingIn: Promise<void> | undefined;
  #refreshing: Promise<void> | undefined;

  constructor(options: AuthenticatorOptions) {
    this.#o = options;
    this.mode = options.apiKey ? 'api-key' : options.email || options.password ? 'jwt' : 'none';
    options.scrubber.add(options.apiKey, options.password);
  }

  get isLoggedIn(): boolean {
    return this.mode === 'api-key' || this.#access !== undefined;
  }

  async authorization(signal?: AbortSignal): Promise<string> {
    if (this.mode === 'api-key') return `Api-Key ${this.#o.apiKey}`;
    if (this.mode === 'none') {
      throw new ConfigError(
        'No Gencove credentials configured: supply an API key, or an e-mail and password.',
      );
    }
    if (this.#access === undefined) await this.login(signal);
    return `Bearer ${this.#access}`;
  }

  /** Log in now (JWT mode). Concurrent calls share one login. No-op in API-key mode. */
  async login(signal?: AbortSignal): Promise<void> {
    if (this.mode === 'api-key') return;
    if (this.mode === 'none' || !this.#o.email || this.#o.password === undefined) {
      throw new ConfigError(
        `Cannot log in: ${!this.#o.email ? 'e-mail' : 'password'} is missing. Supply an API key, or an e-mail and password.`,
      );
    }
    if (!this.#loggingIn) {
      this.#loggingIn = this.#doLogin().finally(() => {
        this.#loggingIn = undefined;
      });
    }
    await raceAbort(this.#loggingIn, signal);
  }

  async #doLogin(): Promise<void> {
    const { email, password, otp } = this.#o;
    const maxOtp = this.#o.maxOtpAttempts ?? 3;
    this.#o.emit({ type: 'auth-login', phase: 'start' });
    let otpToken: string | undefined;
    for (let otpAttempt = 0; ; ) {
      try {
        const pair = await this.#o.requester.request({
          method: 'POST',
          path: JWT_CREATE_PATH,
          auth: false,
          body: { email, password, ...(otpToken !== undefined ? { otp_token: otpToken } : {}) },
          schema: JwtPairSchema,
        });
        this.#o.scrubber.add(pair.access, pair.refresh);
        this.#access = pair.access;
        this.#refresh = pair.refresh;
        this.#o.emit({ type: 'auth-login', phase: 'success' });
        return;
      } catch (e) {
        if (isOtpChallenge(e)) {
          this.#o.emit({ type: 'auth-login', phase: 'otp-required' });
          const message = otpMessage(e);
          if (!otp) {
            throw new OtpRequiredError(
              `This account requires a one-time password (OTP); supply an otp callback${message ? `. Server said: ${message}` : ''}`,
              { status: e.status, method: 'POST', endpoint: JWT_CREATE_PATH },
            );
          }
          if (otpAttempt >= maxOtp) {
            this.#o.emit({ type: 'auth-login', phase: 'failure' });
            throw new AuthenticationError(
              `The one-time password was rejected ${otpAttempt} time(s)${message ? `: ${message}` : ''}`,
              { status: e.status, method: 'POST', endpoint: JWT_CREATE_PATH },
            );
          }
          otpAttempt++;
          otpToken = await otp({ attempt: otpAttempt, ...(message ? { message } : {}) });
          this.#o.scrubber.add(otpToken);
          continue;
        }
        this.#o.emit({ type: 'auth-login', phase: 'failure' });
        if (
          e instanceof GencoveError &&
          e.status !== undefined &&
          e.status < 500 &&
          e.status !== 429
        ) {
          throw new AuthenticationError(
            `Login failed: the e-mail or password was not accepted${e.detail ? ` (${e.detail})` : ''}`,
            {
              status: e.status,
              method: 'POST',
              endpoint: JWT_CREATE_PATH,
              ...(e.requestId ? { requestId: e.requestId } : {}),
              ...(e.detail ? { detail: e.detail } : {}),
            },
          );
        }
        throw e;
      }
    }
  }

  /**
   * After a 401: refresh the access token once (shared by concurrent callers) unless
   * another caller already did. API-key mode never refreshes (quirk decision).
   */
  async handleUnauthorized(used: string, signal?: AbortSignal): Promise<boolean> {
    if (this.mode !== 'jwt') return false;
    if (this.#access !== undefined && used !== `Bearer ${this.#access}`) return true;
    if (!this.#refreshing) {
      this.#refreshing = this.#doRefresh().finally(() => {
        this.#refreshing = undefined;
      });
    }
    await raceAbort(this.#refreshing, signal);
    return true;
  }

  async #doRefresh(): Promise<void> {
    this.#o.emit({ type: 'auth-refresh', phase: 'start' });
    if (this.#refresh === undefined) {
      this.#access = undefined;
      this.#o.emit({ type: 'auth-refresh', phase: 'relogin' });
      await this.#doLogin();
      return;
    }
    try {
      const res = await this.#o.requester.request({
        method: 'POST',
        path: JWT_REFRESH_PATH,
        auth: false,
        body: { refresh: this.#refresh },
        schema: JwtRefreshSchema,
      });
      this.#o.scrubber.add(res.access);
      this.#access = res.access;
      if (typeof res.refresh === 'string') {
        this.#o.scrubber.add(res.refresh);
        this.#refresh = res.refresh;
      }
      this.#o.emit({ type: 'auth-refresh', phase: 'success' });
    } catch (e) {
      const rejected =
        e instanceof GencoveError &&
        e.status !== undefined &&
        e.status >= 400 &&
        e.status < 500 &&
        e.status !== 429;
      if (!rejected) {
        this.#o.emit({ type: 'auth-refresh', phase: 'failure' });
        throw e;
      }
      // Refresh token expired or revoked: log in again with the stored credentials.
      this.#access = undefined;
      this.#refresh = undefined;
      this.#o.emit({ type: 'auth-refresh', phase: 'relogin' });
      try {
        await this.#doLogin();
      } catch (loginError) {
        this.#o.emit({ type: 'auth-refresh', phase: 'failure' });
        if (loginError instanceof GencoveError && loginError.code === 'ERR_GENCOVE_AUTH') {
          throw new AuthenticationError(
            'Session expired: refreshing the access token failed and logging in again was refused',
            { status: loginError.status ?? 401, method: 'POST', endpoint: JWT_REFRESH_PATH },
          );
        }
        throw loginError;
      }
    }
  }
}
