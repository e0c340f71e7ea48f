import { isIP } from 'node:net';
import tls from 'node:tls';
import { Agent, request } from 'undici';
import { redactString } from '../../redact.js';

export interface HttpProbeResult {
  status?: number;
  contentType?: string;
  /** First bytes of the body (for telling the Gencove API from something else). */
  bodyStart?: string;
  /** The `Date` response header. */
  date?: string;
  /** Local time when the request was sent and when the headers arrived (ms since the epoch). */
  sentAt: number;
  receivedAt: number;
  error?: { code: string; message: string };
}

const errorOf = (e: unknown): { code: string; message: string } => {
  const err = e as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err?.code ?? err?.cause?.code ?? (e as Error)?.name ?? 'ERROR';
  const message = err?.cause?.message ?? err?.message ?? String(e);
  return { code, message: redactString(message) };
};

/** One unauthenticated GET; any HTTP answer counts as reachable. Never throws. */
export async function probeHttp(
  url: URL,
  options: { timeoutMs: number; signal?: AbortSignal; now: () => number },
): Promise<HttpProbeResult> {
  const agent = new Agent({ connect: { timeout: options.timeoutMs }, keepAliveTimeout: 1 });
  const sentAt = options.now();
  try {
    const res = await request(url, {
      method: 'GET',
      dispatcher: agent,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      headers: { accept: 'application/json' },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const receivedAt = options.now();
    const text = await res.body.text().catch(() => '');
    const header = (name: string) => {
      const v = res.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    return {
      status: res.statusCode,
      ...(header('content-type') ? { contentType: header('content-type') } : {}),
      bodyStart: redactString(text.slice(0, 300)),
      ...(header('date') ? { date: header('date') } : {}),
      sentAt,
      receivedAt,
    };
  } catch (e) {
    return { sentAt, receivedAt: options.now(), error: errorOf(e) };
  } finally {
    await agent.destroy().catch(() => undefined);
  }
}

export interface TlsProbeResult {
  authorized: boolean;
  /** Why the certificate is not trusted (`SELF_SIGNED_CERT_IN_CHAIN`, a hostname mismatch, …). */
  problem?: string;
  protocol?: string;
  subject?: string;
  issuer?: string;
  validTo?: string;
  error?: { code: string; message: string };
}

/** TLS handshake with the host, reporting the certificate and why it is (not) trusted. */
export function probeTls(
  host: string,
  port: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<TlsProbeResult> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host,
      port,
      ...(isIP(host) ? {} : { servername: host }),
      // inspect the certificate ourselves instead of failing the handshake
      rejectUnauthorized: false,
      timeout: timeoutMs,
    });
    const onAbort = () =>
      done({ authorized: false, error: { code: 'ABORT_ERR', message: 'aborted' } });
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = (result: TlsProbeResult) => {
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(result);
    };
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      const identity =
        cert && Object.keys(cert).length ? tls.checkServerIdentity(host, cert) : undefined;
      const problem = socket.authorizationError
        ? String(socket.authorizationError)
        : identity
          ? identity.message
          : undefined;
      done({
        authorized: socket.authorized && !identity,
        ...(problem ? { problem } : {}),
        protocol: socket.getProtocol() ?? 'unknown',
        ...(cert?.subject?.CN ? { subject: String(cert.subject.CN) } : {}),
        ...(cert?.issuer?.CN || cert?.issuer?.O
          ? { issuer: String(cert.issuer.CN ?? cert.issuer.O) }
          : {}),
        ...(cert?.valid_to ? { validTo: cert.valid_to } : {}),
      });
    });
    socket.once('timeout', () =>
      done({ authorized: false, error: { code: 'ETIMEDOUT', message: 'TLS handshake timed out' } }),
    );
    socket.once('error', (e) => done({ authorized: false, error: errorOf(e) }));
  });
}
