import type { ChaosMatch, ChaosProfile, ChaosProfileName, WeightedFault } from '../types.js';

/** API writes the client may repeat safely (idempotent per destination, or without state). */
const SAFE_POSTS = [
  'POST uploads-post-data',
  'POST uploads-url',
  'POST upload-credentials',
  'POST jwt-create',
  'POST jwt-refresh',
];
const S3_WRITES = [
  'PutObject',
  'UploadPart',
  'CreateMultipartUpload',
  'CompleteMultipartUpload',
  'AbortMultipartUpload',
];
/** Deliverables that carry a published sha256 (the FASTQ copies have none, so corruption of
 * them cannot be detected by any client and is left out of the built-in profiles). */
const CHECKSUMMED = /^\/gncv-sandbox-results\/.*(?<!\.fastq\.gz)$/;

const api = (extra: Omit<ChaosMatch, 'target'> = {}): ChaosMatch => ({ target: 'api', ...extra });
const s3 = (extra: Omit<ChaosMatch, 'target'> = {}): ChaosMatch => ({ target: 's3', ...extra });

/** Server errors, throttling and dropped connections: what every client must survive. */
function transient(scale: number): WeightedFault[] {
  return [
    { weight: 3 * scale, fault: { type: 'status', status: 503 } },
    { weight: 2 * scale, fault: { type: 'status', status: 502 } },
    { weight: 1 * scale, fault: { type: 'status', status: 500 } },
    { weight: 2 * scale, fault: { type: 'status', status: 429, retryAfter: 1 } },
    { weight: 2 * scale, fault: { type: 'reset' } },
  ];
}

function build(name: string, rate: number, extra: { maintenance?: number; delayMs?: number }) {
  const maintenance: WeightedFault[] = extra.maintenance
    ? [{ weight: extra.maintenance, fault: { type: 'maintenance', message: 'Chaos maintenance.' } }]
    : [];
  const delay: WeightedFault[] = extra.delayMs
    ? [{ weight: 2, fault: { type: 'delay', ms: extra.delayMs } }]
    : [];
  const profile: ChaosProfile = {
    name,
    rules: [
      {
        match: api({ method: 'GET' }),
        probability: rate,
        faults: [
          ...transient(1),
          { weight: 2, fault: { type: 'truncate' } },
          { weight: 1, fault: { type: 'reset-mid-body' } },
          ...maintenance,
          ...delay,
        ],
      },
      {
        match: api({ operation: SAFE_POSTS }),
        probability: rate,
        faults: [...transient(1), { weight: 1, fault: { type: 'reset-mid-body' } }, ...delay],
      },
      // Assignments and other writes that must not be repeated after an ambiguous failure:
      // only refusals the server sends before doing anything.
      {
        match: api(),
        probability: rate / 2,
        faults: [{ fault: { type: 'status', status: 429, retryAfter: 1 } }, ...maintenance],
      },
      {
        match: s3({ operation: S3_WRITES }),
        probability: rate,
        faults: [
          ...transient(1),
          { weight: 2, fault: { type: 'reset-mid-body' } },
          { weight: 2, fault: { type: 'expire-credentials' } },
          ...delay,
        ],
      },
      {
        match: s3({ operation: 'GetObject', resource: CHECKSUMMED }),
        probability: rate,
        faults: [
          ...transient(1),
          { weight: 2, fault: { type: 'truncate' } },
          { weight: 2, fault: { type: 'reset-mid-body' } },
          { weight: 2, fault: { type: 'corrupt' } },
          { weight: 2, fault: { type: 'expire-url' } },
          ...delay,
        ],
      },
      {
        match: s3({ operation: 'GetObject' }),
        probability: rate,
        faults: [
          ...transient(1),
          { weight: 2, fault: { type: 'truncate' } },
          { weight: 2, fault: { type: 'reset-mid-body' } },
          { weight: 2, fault: { type: 'expire-url' } },
          ...delay,
        ],
      },
      { match: s3(), probability: rate, faults: [...transient(1), ...delay] },
    ],
  };
  return profile;
}

export const CHAOS_PROFILES: Record<ChaosProfileName, ChaosProfile> = {
  /** About one request in twelve fails in a way a correct client survives without help. */
  flaky: { ...build('flaky', 0.08, {}), webhooks: { duplicate: 0.1, reorder: 0.1 } },
  /** A bad day: one request in four, maintenance windows and slow answers included. */
  hostile: {
    ...build('hostile', 0.25, { maintenance: 1, delayMs: 1500 }),
    webhooks: { duplicate: 0.25, reorder: 0.25 },
  },
  /** No errors; one request in five answers late. */
  slow: {
    name: 'slow',
    rules: [
      {
        match: {},
        probability: 0.2,
        faults: [
          { weight: 3, fault: { type: 'delay', ms: 100 } },
          { weight: 2, fault: { type: 'delay', ms: 400 } },
          { weight: 1, fault: { type: 'delay', ms: 1200 } },
        ],
      },
    ],
  },
  /** Requests untouched; webhook events duplicated and delivered out of order. */
  webhooks: { name: 'webhooks', rules: [], webhooks: { duplicate: 0.3, reorder: 0.3 } },
};

export const CHAOS_PROFILE_NAMES = Object.keys(CHAOS_PROFILES) as ChaosProfileName[];
