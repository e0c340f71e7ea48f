import { AbortError } from '../../errors.js';
import { credentialsCheck } from './credentials-check.js';
import { destinationCheck } from './destination-check.js';
import { clockCheck, hostCheck, tlsCheck } from './host-check.js';
import { type HttpProbeResult, probeHttp, probeTls } from './probe.js';
import { AWS_S3_ENDPOINT, s3EndpointCheck } from './s3-endpoint-check.js';
import type { DoctorCheck, DoctorOptions, DoctorReport } from './types.js';

export const DEFAULT_DOCTOR_TIMEOUT_MS = 10_000;

/**
 * Checks what a run needs before it starts: the API host (reachable, TLS), the credentials, the
 * local clock, the download destination and the S3 endpoint of uploads. Never throws for a failed
 * check: each one is reported with what is wrong and how to fix it. Sends no request that changes
 * anything on the server; a local destination only sees a probe file created and removed.
 */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? DEFAULT_DOCTOR_TIMEOUT_MS;
  const checks: DoctorCheck[] = [];
  const record = async (
    run: () => Promise<Omit<DoctorCheck, 'durationMs'>> | Omit<DoctorCheck, 'durationMs'>,
  ): Promise<DoctorCheck> => {
    if (options.signal?.aborted) throw new AbortError();
    const started = performance.now();
    const check = { ...(await run()), durationMs: Math.round(performance.now() - started) };
    checks.push(check);
    options.onEvent?.({ type: 'check', check });
    return check;
  };
  const hostUrl = new URL(options.host);
  const probeOptions = { timeoutMs, now, ...(options.signal ? { signal: options.signal } : {}) };

  let probe: HttpProbeResult | undefined;
  const host = await record(async () => {
    probe = await probeHttp(new URL('/api/v2/user/', hostUrl), probeOptions);
    return hostCheck(options.host, options.hostSource ?? 'default', probe);
  });
  await record(async () => {
    if (hostUrl.protocol !== 'https:') return tlsCheck(hostUrl, undefined, now());
    const port = Number(hostUrl.port || 443);
    const hostname = hostUrl.hostname.replace(/^\[|\]$/g, '');
    return tlsCheck(hostUrl, await probeTls(hostname, port, timeoutMs, options.signal), now());
  });
  await record(() => credentialsCheck(options, host.status !== 'fail', timeoutMs));
  await record(() => clockCheck(probe));
  await record(() => destinationCheck(options));
  await record(async () => {
    const endpoint = options.uploadEndpoint ?? AWS_S3_ENDPOINT;
    const contact = options.uploadEndpoint !== undefined || options.checkS3 === true;
    const s3Probe = contact ? await probeHttp(new URL(endpoint), probeOptions) : undefined;
    return s3EndpointCheck(endpoint, options.uploadEndpoint !== undefined, s3Probe);
  });
  return { ok: checks.every((c) => c.status !== 'fail'), host: options.host, checks };
}
