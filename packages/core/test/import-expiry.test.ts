import { createHmac, randomBytes } from 'node:crypto';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { describe, expect, it } from 'vitest';
import { readUrlExpiry } from '../src/jobs/import/expiry.js';
import { DEFAULT_EXPIRY_MARGIN_MS, preflightUrl } from '../src/jobs/import/preflight.js';

const NOW = new Date('2026-01-05T09:14:03Z');
const HOUR = 3600_000;
const ref = { clientId: 'P1', read: 'R1' as const, line: 2 };

/** A real SigV4 presigned URL, signed offline by the AWS SDK (nothing is sent). */
async function awsUrl(expiresIn: number, signingDate = NOW): Promise<string> {
  const s3 = new S3Client({
    region: 'eu-west-1',
    credentials: {
      accessKeyId: 'AKIAEXAMPLEDEMO7Q2ZK',
      secretAccessKey: 'p9S4xExampleSecretKeyDemoValue0000000000',
    },
  });
  try {
    return await getSignedUrl(
      s3,
      new GetObjectCommand({ Bucket: 'lab-runs', Key: 'seqrun-19/P1_R1.fastq.gz' }),
      { expiresIn, signingDate },
    );
  } finally {
    s3.destroy();
  }
}

const compact = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/** A GCS V4 signed URL as `gsutil signurl` / the client libraries produce it. */
function gcsUrl(expiresSeconds: number, signedAt = NOW): string {
  const day = compact(signedAt).slice(0, 8);
  const q = new URLSearchParams({
    'X-Goog-Algorithm': 'GOOG4-RSA-SHA256',
    'X-Goog-Credential': `importer@lab-project.iam.gserviceaccount.com/${day}/auto/storage/goog4_request`,
    'X-Goog-Date': compact(signedAt),
    'X-Goog-Expires': String(expiresSeconds),
    'X-Goog-SignedHeaders': 'host',
    'X-Goog-Signature': randomBytes(256).toString('hex'),
  });
  return `https://storage.googleapis.com/lab-runs/seqrun-19/P1_R1.fastq.gz?${q}`;
}

/** An Azure service SAS for one blob, signed with a (fake) account key. */
function azureUrl(expiry: string, start = '2026-01-05T09:00:00Z'): string {
  const fields = { sp: 'r', st: start, se: expiry, spr: 'https', sv: '2022-11-02', sr: 'b' };
  const stringToSign = [fields.sp, fields.st, fields.se, '/blob/labacct/runs/P1_R1.fastq.gz'].join(
    '\n',
  );
  const sig = createHmac('sha256', randomBytes(64)).update(stringToSign).digest('base64');
  const q = new URLSearchParams({ ...fields, sig });
  return `https://labacct.blob.core.windows.net/runs/P1_R1.fastq.gz?${q}`;
}

const check = (url: string, options: Partial<Parameters<typeof preflightUrl>[2]> = {}) =>
  preflightUrl(ref, new URL(url), {
    now: NOW,
    expiryMarginMs: DEFAULT_EXPIRY_MARGIN_MS,
    strictExpiry: false,
    ...options,
  });

describe('readUrlExpiry', () => {
  it('reads an AWS SigV4 presigned URL (X-Amz-Date + X-Amz-Expires)', async () => {
    const reading = readUrlExpiry(new URL(await awsUrl(7200)));
    expect(reading).toEqual({
      kind: 'expires',
      scheme: 'aws-sigv4',
      signedAt: NOW,
      lifetimeMs: 2 * HOUR,
      expiresAt: new Date(NOW.getTime() + 2 * HOUR),
    });
  });

  it('reads a GCS V4 signed URL (X-Goog-Date + X-Goog-Expires)', () => {
    const reading = readUrlExpiry(new URL(gcsUrl(3600)));
    expect(reading).toMatchObject({
      kind: 'expires',
      scheme: 'gcs-v4',
      expiresAt: new Date(NOW.getTime() + HOUR),
    });
  });

  it('reads an Azure SAS (se=), with seconds, minutes only, fractions or a date only', () => {
    expect(readUrlExpiry(new URL(azureUrl('2026-01-05T12:00:00Z')))).toMatchObject({
      kind: 'expires',
      scheme: 'azure-sas',
      expiresAt: new Date('2026-01-05T12:00:00Z'),
      signedAt: new Date('2026-01-05T09:00:00Z'),
    });
    for (const [se, iso] of [
      ['2026-01-05T12:00Z', '2026-01-05T12:00:00.000Z'],
      ['2026-01-05T12:00:00.1234567Z', '2026-01-05T12:00:00.123Z'],
      ['2026-01-06', '2026-01-06T00:00:00.000Z'],
      ['2026-01-05T14:00:00+02:00', '2026-01-05T12:00:00.000Z'],
    ]) {
      const reading = readUrlExpiry(new URL(azureUrl(se!)));
      expect(reading.kind === 'expires' && reading.expiresAt.toISOString()).toBe(iso);
    }
  });

  it('reads legacy AWS SigV2 and GCS V2 URLs (Expires = Unix seconds)', () => {
    const at = Math.floor(NOW.getTime() / 1000) + 600;
    const aws = `https://lab-runs.s3.amazonaws.com/P1_R1.fastq.gz?AWSAccessKeyId=AKIAEXAMPLE&Expires=${at}&Signature=abc%2Bdef%3D`;
    const gcs = `https://storage.googleapis.com/lab-runs/P1_R1.fastq.gz?GoogleAccessId=sa%40p.iam.gserviceaccount.com&Expires=${at}&Signature=xyz`;
    expect(readUrlExpiry(new URL(aws))).toMatchObject({
      scheme: 'aws-sigv2',
      expiresAt: new Date(at * 1000),
    });
    expect(readUrlExpiry(new URL(gcs))).toMatchObject({
      scheme: 'gcs-v2',
      expiresAt: new Date(at * 1000),
    });
  });

  it('treats a URL without signature parameters as unsigned', () => {
    expect(readUrlExpiry(new URL('https://ftp.example.org/pub/P1_R1.fastq.gz?download=1'))).toEqual(
      {
        kind: 'unsigned',
      },
    );
  });

  it('flags unreadable or missing expiries', () => {
    expect(
      readUrlExpiry(new URL('https://h.test/a.fastq.gz?X-Amz-Signature=x&X-Amz-Date=2026-01-05')),
    ).toMatchObject({
      kind: 'malformed',
      scheme: 'aws-sigv4',
    });
    expect(
      readUrlExpiry(
        new URL(
          'https://h.test/a.fastq.gz?X-Goog-Signature=x&X-Goog-Date=20261305T000000Z&X-Goog-Expires=60',
        ),
      ),
    ).toMatchObject({
      kind: 'malformed',
    });
    expect(
      readUrlExpiry(
        new URL('https://a.blob.core.windows.net/c/a.fastq.gz?sv=2022-11-02&si=readers&sig=x'),
      ),
    ).toMatchObject({
      kind: 'unknown',
      scheme: 'azure-sas',
    });
    expect(
      readUrlExpiry(
        new URL('https://a.blob.core.windows.net/c/a.fastq.gz?sv=2022-11-02&se=tomorrow&sig=x'),
      ),
    ).toMatchObject({
      kind: 'malformed',
    });
  });
});

describe('preflightUrl', () => {
  it('passes URLs that outlive the margin, for all three providers', async () => {
    for (const url of [
      await awsUrl(7 * 24 * 3600),
      gcsUrl(3 * 24 * 3600),
      azureUrl('2026-01-12T00:00:00Z'),
    ]) {
      expect(check(url)).toMatchObject({ problems: [], warnings: [] });
    }
  });

  it('warns when a URL expires within the margin (default 24 h), for all three providers', async () => {
    for (const [url, left] of [
      [await awsUrl(6 * 3600), '6h'],
      [gcsUrl(3 * 3600 + 120), '3h 2m'],
      [azureUrl('2026-01-05T21:14:03Z'), '12h'],
    ] as const) {
      const result = check(url);
      expect(result.problems).toEqual([]);
      expect(result.warnings).toEqual([
        {
          ...ref,
          code: 'expires-soon',
          message: expect.stringContaining(`expires in ${left} (`),
          expiresAt: expect.any(String),
        },
      ]);
      expect(result.warnings[0]!.message).toContain('within the 1d margin');
    }
  });

  it('honours a custom margin', async () => {
    const url = await awsUrl(6 * 3600);
    expect(check(url, { expiryMarginMs: 2 * HOUR }).warnings).toEqual([]);
    expect(check(url, { expiryMarginMs: 7 * 24 * HOUR }).warnings).toHaveLength(1);
  });

  it('fails instead of warning with strictExpiry', async () => {
    for (const url of [await awsUrl(3600), gcsUrl(3600), azureUrl('2026-01-05T10:00:00Z')]) {
      const result = check(url, { strictExpiry: true });
      expect(result.warnings).toEqual([]);
      expect(result.problems).toEqual([
        { line: 2, message: expect.stringMatching(/expires in .* within the 1d margin/) },
      ]);
    }
    const unreadable =
      'https://h.test/a.fastq.gz?X-Amz-Signature=x&X-Amz-Date=nope&X-Amz-Expires=60';
    expect(check(unreadable).warnings).toMatchObject([{ code: 'expiry-unreadable' }]);
    expect(check(unreadable, { strictExpiry: true }).problems).toHaveLength(1);
  });

  it('always fails an expired URL and one signed for more than 7 days', async () => {
    const expired = check(await awsUrl(3600, new Date(NOW.getTime() - 2 * HOUR)));
    expect(expired.problems).toEqual([
      { line: 2, message: expect.stringMatching(/expired at 2026-01-05T08:14:03Z \(1h ago\)/) },
    ]);
    expect(check(azureUrl('2026-01-01')).problems[0]!.message).toMatch(/Azure SAS URL expired/);
    expect(check(gcsUrl(8 * 24 * 3600)).problems[0]!.message).toMatch(
      /signed for 8d.*more than 7 days/,
    );
  });

  it('refuses plain http except for loopback hosts', () => {
    expect(check('http://data.example.org/P1_R1.fastq.gz').problems).toEqual([
      { line: 2, message: expect.stringMatching(/plain http is refused/) },
    ]);
    for (const host of ['127.0.0.1:9000', 'localhost', '[::1]:8080', 'minio.localhost']) {
      expect(check(`http://${host}/P1_R1.fastq.gz`).problems).toEqual([]);
    }
  });

  it('never puts signatures or credentials in messages', async () => {
    const url = await awsUrl(3600);
    const signature = new URL(url).searchParams.get('X-Amz-Signature')!;
    const text = JSON.stringify([check(url), check(url, { strictExpiry: true })]);
    expect(text).not.toContain(signature);
    expect(text).not.toContain('AKIAEXAMPLEDEMO7Q2ZK');
    expect(text).toContain('https://lab-runs.s3.eu-west-1.amazonaws.com/seqrun-19/P1_R1.fastq.gz');
  });
});

describe('temporary credentials', () => {
  it('warns (or fails with strictExpiry) when an AWS URL was signed with a session token', async () => {
    const s3 = new S3Client({
      region: 'eu-west-1',
      credentials: {
        accessKeyId: 'ASIAEXAMPLEDEMO7Q2ZK',
        secretAccessKey: 'p9S4xExampleSecretKeyDemoValue0000000000',
        sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE-session-token',
      },
    });
    const url = await getSignedUrl(
      s3,
      new GetObjectCommand({ Bucket: 'lab-runs', Key: 'seqrun-19/P1_R1.fastq.gz' }),
      { expiresIn: 7 * 24 * 3600, signingDate: NOW },
    );
    s3.destroy();
    expect(check(url).warnings).toMatchObject([{ code: 'temporary-credentials' }]);
    expect(check(url, { strictExpiry: true }).problems[0]!.message).toMatch(/X-Amz-Security-Token/);
    expect(JSON.stringify(check(url))).not.toContain('IQoJb3JpZ2luX2VjEXAMPLE');
  });
});
