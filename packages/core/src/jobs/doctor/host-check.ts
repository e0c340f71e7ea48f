import type { HttpProbeResult, TlsProbeResult } from './probe.js';
import type { DoctorCheck } from './types.js';

type Partial = Omit<DoctorCheck, 'durationMs'>;

const NETWORK_FIXES: Record<string, string> = {
  ENOTFOUND:
    'The host name does not resolve: check the spelling of the host (or GENCOVE_HOST) and your DNS.',
  EAI_AGAIN: 'DNS lookup failed temporarily: check your network and DNS, then try again.',
  ECONNREFUSED:
    'Nothing listens there: check the host and port; a firewall or proxy may be rejecting the connection.',
  UND_ERR_CONNECT_TIMEOUT:
    'The connection timed out: a firewall may be dropping traffic to the host, or the network is down.',
  ETIMEDOUT:
    'The connection timed out: a firewall may be dropping traffic to the host, or the network is down.',
  UND_ERR_HEADERS_TIMEOUT: 'The host accepted the connection but did not answer in time.',
  ECONNRESET: 'The connection was reset: a proxy or firewall may be interfering.',
};

/** Reachability of the API origin, from one unauthenticated GET of /api/v2/user/. */
export function hostCheck(host: string, hostSource: string, probe: HttpProbeResult): Partial {
  const where = `${host}${hostSource === 'default' ? '' : ` (from ${hostSource})`}`;
  const ms = Math.max(0, probe.receivedAt - probe.sentAt);
  if (probe.error) {
    const tlsCode = /CERT|SSL|TLS|SELF_SIGNED|ALTNAME/i.test(probe.error.code);
    return {
      id: 'host',
      status: 'fail',
      summary: `${where} is not reachable: ${probe.error.message} (${probe.error.code})`,
      fix: tlsCode
        ? 'The TLS certificate is not trusted: see the tls check.'
        : (NETWORK_FIXES[probe.error.code] ??
          'Check the host (--host / GENCOVE_HOST), your network, proxy and firewall.'),
      details: { host, error: probe.error.code },
    };
  }
  const looksLikeApi =
    (probe.status === 401 || probe.status === 403 || probe.status === 200) &&
    /json/i.test(probe.contentType ?? '');
  if (probe.status === 503 && /maintenance/i.test(probe.bodyStart ?? '')) {
    return {
      id: 'host',
      status: 'warn',
      summary: `${where} answers, but the API is in maintenance`,
      fix: 'Wait for the maintenance window to end; commands exit with code 5 meanwhile.',
      details: { host, status: 503, latencyMs: ms },
    };
  }
  if (!looksLikeApi) {
    return {
      id: 'host',
      status: 'fail',
      summary: `${where} answers HTTP ${probe.status}${probe.contentType ? ` (${probe.contentType.split(';')[0]})` : ''}, which does not look like the Gencove API`,
      fix: 'Point --host / GENCOVE_HOST at the API origin (https://api.gencove.com), not at the web app or a proxy page.',
      details: { host, status: probe.status ?? null, latencyMs: ms },
    };
  }
  return {
    id: 'host',
    status: 'pass',
    summary: `${where} is reachable (HTTP ${probe.status} in ${ms} ms)`,
    details: { host, status: probe.status ?? null, latencyMs: ms },
  };
}

const LOOPBACK = /^(localhost|127(\.\d+){3}|\[::1\])$/i;

/** TLS of the API origin: certificate trusted, not about to expire; plain http only on loopback. */
export function tlsCheck(url: URL, probe: TlsProbeResult | undefined, now: number): Partial {
  if (url.protocol === 'http:') {
    const local = LOOPBACK.test(url.hostname);
    return {
      id: 'tls',
      status: local ? 'skip' : 'warn',
      summary: local
        ? 'plain http on a loopback address (a sandbox): no TLS to check'
        : `the host uses plain http: credentials and data travel unencrypted`,
      ...(local ? {} : { fix: 'Use an https:// host.' }),
    };
  }
  if (!probe || probe.error) {
    return {
      id: 'tls',
      status: 'fail',
      summary: `TLS handshake with ${url.host} failed: ${probe?.error?.message ?? 'no answer'}`,
      fix: 'Check that the host speaks https on this port and that no proxy intercepts it.',
      ...(probe?.error ? { details: { error: probe.error.code } } : {}),
    };
  }
  const details = {
    protocol: probe.protocol ?? null,
    subject: probe.subject ?? null,
    issuer: probe.issuer ?? null,
    validTo: probe.validTo ?? null,
  };
  if (!probe.authorized) {
    return {
      id: 'tls',
      status: 'fail',
      summary: `the certificate of ${url.host} is not trusted: ${probe.problem ?? 'unknown reason'}${probe.issuer ? ` (issued by ${probe.issuer})` : ''}`,
      fix: 'If a corporate proxy re-signs TLS traffic, point NODE_EXTRA_CA_CERTS at its CA certificate (PEM file). Never disable certificate checks.',
      details,
    };
  }
  const expires = probe.validTo ? Date.parse(probe.validTo) : Number.NaN;
  const days = Math.floor((expires - now) / 86_400_000);
  if (Number.isFinite(days) && days < 14) {
    return {
      id: 'tls',
      status: 'warn',
      summary: `${probe.protocol}, certificate of ${probe.subject ?? url.hostname} expires in ${days} days`,
      fix: 'The certificate is about to expire; tell the operator of the host.',
      details,
    };
  }
  return {
    id: 'tls',
    status: 'pass',
    summary: `${probe.protocol}, certificate of ${probe.subject ?? url.hostname} trusted${probe.issuer ? ` (issued by ${probe.issuer})` : ''}`,
    details,
  };
}

/** Above this the clock deserves a look; above CLOCK_FAIL_MS things break. */
export const CLOCK_WARN_MS = 30_000;
/** Five minutes: the lifetime of an access token; S3 refuses signatures beyond 15 minutes. */
export const CLOCK_FAIL_MS = 5 * 60_000;

/** Local clock against the server's `Date` header (one-second resolution, half the RTT). */
export function clockCheck(probe: HttpProbeResult | undefined): Partial {
  const serverMs = probe?.date ? Date.parse(probe.date) : Number.NaN;
  if (!probe || probe.error || !Number.isFinite(serverMs)) {
    return {
      id: 'clock',
      status: 'skip',
      summary: probe?.error
        ? 'skipped: the host is not reachable'
        : 'the server sent no Date header to compare with',
    };
  }
  const local = (probe.sentAt + probe.receivedAt) / 2;
  // the header is truncated to the second: the server's time lies in [serverMs, serverMs + 1000)
  const skew = Math.round(serverMs + 500 - local);
  const abs = Math.abs(skew);
  const tolerance = 500 + (probe.receivedAt - probe.sentAt) / 2;
  const shown = `${(abs / 1000).toFixed(1)} s ${skew > 0 ? 'behind' : 'ahead of'} the server`;
  const details = { skewMs: skew, server: probe.date ?? null };
  if (abs <= Math.max(CLOCK_WARN_MS, tolerance)) {
    return {
      id: 'clock',
      status: 'pass',
      summary: abs <= tolerance ? 'in sync with the server' : `local clock ${shown}`,
      details,
    };
  }
  const fix =
    'Synchronise the system clock with NTP (e.g. `timedatectl set-ntp true`, chrony, or `w32tm /resync` on Windows).';
  if (abs <= CLOCK_FAIL_MS) {
    return { id: 'clock', status: 'warn', summary: `local clock ${shown}`, fix, details };
  }
  return {
    id: 'clock',
    status: 'fail',
    summary: `local clock ${shown}: signed S3 requests, token refresh and --since windows go wrong`,
    fix,
    details,
  };
}
