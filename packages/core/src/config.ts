/**
 * Configuration resolution — the ONLY module of @gencove/core that reads environment
 * variables, and only through the `env` argument of {@link resolveConfig}.
 */
import { ConfigError } from './errors.js';
import { redactUrl } from './redact.js';

const show = (v: string) => JSON.stringify(redactUrl(v));

export const DEFAULT_HOST = 'https://api.gencove.com';

/** Values given explicitly by a front end (CLI flags, action inputs, node parameters). */
export interface ConfigFlags {
  host?: string;
  apiKey?: string;
  email?: string;
  password?: string;
  s3Endpoint?: string;
}

export type CredentialSource = 'flag' | 'env';

export type ResolvedCredentials =
  | { mode: 'api-key'; apiKey: string; source: CredentialSource }
  | {
      mode: 'password';
      email?: string;
      password?: string;
      emailSource?: CredentialSource;
      passwordSource?: CredentialSource;
      /** What a front end must still obtain (e.g. by prompting) before logging in. */
      missing: Array<'email' | 'password'>;
    };

export interface ResolvedConfig {
  /** API origin (scheme + authority, no path). */
  host: string;
  hostSource: 'flag' | 'env' | 'default';
  credentials: ResolvedCredentials;
  /** From `GENCOVE_LOCALSTACK_S3_ENDPOINT` (or the flag): S3 endpoint override. */
  s3Endpoint?: string;
  /** `GENCOVE_LOG=DEBUG` (spec §1.10): the front end should print the client's events. */
  debug: boolean;
  /** Non-fatal remarks a front end may show (never contain secrets). */
  warnings: string[];
}

function clean(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const t = v.trim();
  return t === '' ? undefined : t;
}

/**
 * Validate a host value and reduce it to its origin. The scheme is mandatory
 * (`http` or `https`); any path, query or fragment is discarded (spec §1.1).
 */
export function normalizeHost(value: string, what = 'host'): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new ConfigError(
      `Invalid ${what} ${show(value)}: it must be a URL including the scheme, e.g. ${DEFAULT_HOST}`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(
      `Invalid ${what} ${show(value)}: the scheme must be http:// or https://, e.g. ${DEFAULT_HOST}`,
    );
  }
  if (url.username || url.password) {
    throw new ConfigError(`Invalid ${what}: credentials in the URL are not supported`);
  }
  return url.origin;
}

/**
 * Resolve host, credentials and S3 endpoint from explicit flags and the environment
 * (spec §1.1, §2.1). Never prompts and never touches the network. Conflicts raise
 * {@link ConfigError}; missing e-mail/password are reported in `credentials.missing`.
 *
 * Quirk decision: the reference CLI rejects `GENCOVE_API_KEY` + `GENCOVE_EMAIL` both
 * set in the environment even when a flag disambiguates. Here an explicit
 * `apiKey` or `email` flag wins and the conflict is only an error when no flag picks
 * the mode.
 */
export function resolveConfig(
  flags: ConfigFlags = {},
  env: NodeJS.ProcessEnv = process.env,
): ResolvedConfig {
  const warnings: string[] = [];

  const flagHost = clean(flags.host);
  const envHost = clean(env.GENCOVE_HOST);
  const host = normalizeHost(
    flagHost ?? envHost ?? DEFAULT_HOST,
    flagHost ? 'host' : envHost ? 'GENCOVE_HOST' : 'host',
  );
  const hostSource = flagHost ? 'flag' : envHost ? 'env' : 'default';

  const flagKey = clean(flags.apiKey);
  const flagEmail = clean(flags.email);
  // Passwords are not trimmed: whitespace may be part of them.
  const flagPassword = flags.password === '' ? undefined : flags.password;
  const envKey = clean(env.GENCOVE_API_KEY);
  const envEmail = clean(env.GENCOVE_EMAIL);
  const envPassword = env.GENCOVE_PASSWORD === '' ? undefined : env.GENCOVE_PASSWORD;

  if (flagKey && flagEmail) {
    throw new ConfigError(
      'Both an API key and an e-mail were given; use either an API key or e-mail + password, not both.',
    );
  }

  let credentials: ResolvedCredentials;
  if (flagKey) {
    credentials = { mode: 'api-key', apiKey: flagKey, source: 'flag' };
  } else if (flagEmail) {
    credentials = passwordCredentials(flagEmail, 'flag', flagPassword, envPassword);
  } else if (envKey && envEmail) {
    throw new ConfigError(
      'Both GENCOVE_API_KEY and GENCOVE_EMAIL are set in the environment; unset one of them, or pass an API key or e-mail explicitly to choose.',
    );
  } else if (envKey) {
    credentials = { mode: 'api-key', apiKey: envKey, source: 'env' };
  } else {
    credentials = passwordCredentials(
      envEmail,
      envEmail ? 'env' : undefined,
      flagPassword,
      envPassword,
    );
  }
  if (credentials.mode === 'api-key' && flagPassword !== undefined) {
    warnings.push('A password was given together with an API key; the password is ignored.');
  }

  const s3Raw = clean(flags.s3Endpoint) ?? clean(env.GENCOVE_LOCALSTACK_S3_ENDPOINT);
  const s3Endpoint = s3Raw
    ? normalizeS3Endpoint(s3Raw, flags.s3Endpoint ? 's3Endpoint' : 'GENCOVE_LOCALSTACK_S3_ENDPOINT')
    : undefined;

  return {
    host,
    hostSource,
    credentials,
    ...(s3Endpoint ? { s3Endpoint } : {}),
    debug: clean(env.GENCOVE_LOG)?.toUpperCase() === 'DEBUG',
    warnings,
  };
}

function passwordCredentials(
  email: string | undefined,
  emailSource: CredentialSource | undefined,
  flagPassword: string | undefined,
  envPassword: string | undefined,
): ResolvedCredentials {
  const password = flagPassword ?? envPassword;
  const missing: Array<'email' | 'password'> = [];
  if (!email) missing.push('email');
  if (password === undefined) missing.push('password');
  return {
    mode: 'password',
    ...(email ? { email } : {}),
    ...(emailSource ? { emailSource } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(password !== undefined
      ? { passwordSource: (flagPassword !== undefined ? 'flag' : 'env') as CredentialSource }
      : {}),
    missing,
  };
}

function normalizeS3Endpoint(value: string, what: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(
      `Invalid ${what} ${show(value)}: expected a URL such as http://127.0.0.1:4566`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`Invalid ${what}: the scheme must be http:// or https://`);
  }
  return url.href.replace(/\/$/, '');
}

/** Client options derived from a resolved config (credentials still missing stay unset). */
export function clientOptionsFromConfig(config: ResolvedConfig): {
  host: string;
  apiKey?: string;
  email?: string;
  password?: string;
  s3Endpoint?: string;
} {
  const c = config.credentials;
  return {
    host: config.host,
    ...(config.s3Endpoint ? { s3Endpoint: config.s3Endpoint } : {}),
    ...(c.mode === 'api-key'
      ? { apiKey: c.apiKey }
      : {
          ...(c.email ? { email: c.email } : {}),
          ...(c.password !== undefined ? { password: c.password } : {}),
        }),
  };
}
