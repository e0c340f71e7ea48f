import type { HttpProbeResult } from './probe.js';
import type { DoctorCheck } from './types.js';

type Partial = Omit<DoctorCheck, 'durationMs'>;

/** Where uploads go without GENCOVE_LOCALSTACK_S3_ENDPOINT (region us-east-1, redirects followed). */
export const AWS_S3_ENDPOINT = 'https://s3.amazonaws.com';

/**
 * Whether the S3 endpoint uploads will use answers. Any HTTP answer counts (S3 answers anonymous
 * requests with an XML error); only transport failures fail the check.
 */
export function s3EndpointCheck(
  endpoint: string,
  overridden: boolean,
  probe: HttpProbeResult | undefined,
): Partial {
  const origin = overridden
    ? `${endpoint} (GENCOVE_LOCALSTACK_S3_ENDPOINT)`
    : `${endpoint} (AWS S3)`;
  if (!probe) {
    return {
      id: 's3-endpoint',
      status: 'skip',
      summary: `uploads go to ${origin}; not contacted (pass --check-s3 to test it)`,
      details: { endpoint, overridden },
    };
  }
  const ms = Math.max(0, probe.receivedAt - probe.sentAt);
  if (probe.error) {
    return {
      id: 's3-endpoint',
      status: 'fail',
      summary: `uploads go to ${origin}, which is not reachable: ${probe.error.message} (${probe.error.code})`,
      fix: overridden
        ? 'Check GENCOVE_LOCALSTACK_S3_ENDPOINT, or unset it to upload to AWS S3.'
        : 'Allow https traffic to *.s3.amazonaws.com through your firewall or proxy.',
      details: { endpoint, overridden, error: probe.error.code },
    };
  }
  return {
    id: 's3-endpoint',
    status: 'pass',
    summary: `uploads go to ${origin}: reachable (HTTP ${probe.status} in ${ms} ms)`,
    details: { endpoint, overridden, status: probe.status ?? null, latencyMs: ms },
  };
}
