import { GencoveError } from '../../errors.js';
import type { DoctorCheck, DoctorOptions } from './types.js';

type Partial = Omit<DoctorCheck, 'durationMs'>;

const FIX_BY_CODE: Record<string, string> = {
  ERR_GENCOVE_AUTH:
    'Check the API key (--api-key / GENCOVE_API_KEY) or e-mail and password (GENCOVE_EMAIL / GENCOVE_PASSWORD); create a new API key in the Gencove web app if it was revoked.',
  ERR_GENCOVE_OTP_REQUIRED:
    'This account uses two-factor authentication: run on a terminal to type the one-time code, or use an API key in automation.',
  ERR_GENCOVE_FORBIDDEN: 'The account is not allowed to use the API; ask your organization admin.',
  ERR_GENCOVE_MAINTENANCE: 'The API is in maintenance; try again after the announced time.',
  ERR_GENCOVE_RATE_LIMITED: 'The API is rate limiting this account; try again in a minute.',
};

/** `GET /api/v2/user/` with the configured credentials. */
export async function credentialsCheck(
  options: DoctorOptions,
  hostReachable: boolean,
  timeoutMs: number,
): Promise<Partial> {
  const source = options.credentialSource ? ` (${options.credentialSource})` : '';
  if (!options.client) {
    return {
      id: 'credentials',
      status: 'fail',
      summary: options.credentialsProblem ?? 'no credentials were given',
      fix: 'Set GENCOVE_API_KEY (or pass --api-key), or GENCOVE_EMAIL and GENCOVE_PASSWORD.',
    };
  }
  if (!hostReachable) {
    return { id: 'credentials', status: 'skip', summary: 'skipped: the host is not reachable' };
  }
  // retries included, the check must not outlast its time limit
  const timer = new AbortController();
  const timeout = setTimeout(() => timer.abort(), timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timer.signal]) : timer.signal;
  try {
    const user = await options.client.getUser({ signal });
    const uploads = user.uploads_enabled !== false;
    return {
      id: 'credentials',
      status: uploads ? 'pass' : 'warn',
      summary: `authenticated as ${user.email}${source}${uploads ? '' : '; uploads are disabled for this account'}`,
      ...(uploads
        ? {}
        : { fix: 'Ask your organization admin to enable uploads, or use another account.' }),
      details: { email: user.email, uploadsEnabled: uploads },
    };
  } catch (error) {
    if (timer.signal.aborted && !options.signal?.aborted) {
      return {
        id: 'credentials',
        status: 'fail',
        summary: `the API did not confirm the credentials within ${Math.round(timeoutMs / 1000)} s${source}`,
        fix: 'The API is slow or failing: see the host check, try again later.',
      };
    }
    const code = error instanceof GencoveError ? error.code : 'ERR_GENCOVE';
    return {
      id: 'credentials',
      status: 'fail',
      summary: `${(error as Error).message}${source}`,
      fix: FIX_BY_CODE[code] ?? 'See the host check; then try again.',
      details: { error: code },
    };
  } finally {
    clearTimeout(timeout);
  }
}
