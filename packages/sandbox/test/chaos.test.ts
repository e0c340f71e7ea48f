import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ChaosProfile,
  compareChaosReports,
  type Sandbox,
  s3Operation,
  startSandbox,
} from '../src/index.js';
import { api, fastq, type Json, uploadAndAssign } from './helpers.js';

const userOnly = (probability: number): ChaosProfile => ({
  name: 'user-only',
  rules: [
    {
      match: { target: 'api', operation: 'GET user' },
      probability,
      faults: [
        { fault: { type: 'status', status: 503 } },
        { fault: { type: 'status', status: 429, retryAfter: 2 } },
      ],
    },
  ],
});

/** Admin S3 client without SDK retries, so that one fault shows. */
const oneShotS3 = (sb: Sandbox) =>
  new S3Client({
    endpoint: sb.s3Url,
    forcePathStyle: true,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });

async function statuses(sb: Sandbox, n: number, concurrent: boolean): Promise<number[]> {
  const one = async () => (await api(sb, 'GET', '/api/v2/user/')).status;
  if (concurrent) return Promise.all(Array.from({ length: n }, one));
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await one());
  return out;
}

describe('chaos is off by default', () => {
  it('answers normally and logs nothing', async () => {
    const sb = await startSandbox({ pipeline: 'manual' });
    try {
      expect(await statuses(sb, 20, true)).toEqual(Array(20).fill(200));
      expect(sb.control.chaosReport()).toEqual({
        seed: null,
        profile: null,
        counts: {},
        faults: [],
      });
    } finally {
      await sb.close();
    }
  });
});

describe('seeded chaos', () => {
  it('the same seed gives the same faults per key, sequentially or concurrently', async () => {
    const a = await startSandbox({
      pipeline: 'manual',
      chaos: { seed: 42, profile: userOnly(0.5) },
    });
    const b = await startSandbox({
      pipeline: 'manual',
      chaos: { seed: 42, profile: userOnly(0.5) },
    });
    const c = await startSandbox({
      pipeline: 'manual',
      chaos: { seed: 43, profile: userOnly(0.5) },
    });
    try {
      const sa = await statuses(a, 40, false);
      await statuses(b, 40, true);
      await statuses(c, 40, false);
      expect(sa.filter((s) => s !== 200).length).toBeGreaterThan(5);
      expect(sa.filter((s) => s === 200).length).toBeGreaterThan(5);
      const ra = a.control.chaosReport();
      expect(ra).toMatchObject({ seed: 42, profile: 'user-only', counts: { 'api GET user': 40 } });
      expect(ra.faults.length).toBe(sa.filter((s) => s !== 200).length);
      expect(ra.faults[0]).toMatchObject({ key: 'api GET user', target: 'api', label: '' });
      const same = compareChaosReports(ra, b.control.chaosReport());
      expect(same).toEqual({ mismatches: [], countDifferences: [] });
      expect(compareChaosReports(ra, c.control.chaosReport()).mismatches.length).toBeGreaterThan(0);
      // the request log names the fault of each request
      const log = a.control.requests.filter((r) => r.fault);
      expect(log.length).toBe(ra.faults.length);
      expect(log.every((r) => r.status === 503 || r.status === 429)).toBe(true);
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });

  it('a Retry-After comes with chaos 429s; unmatched endpoints are untouched', async () => {
    const sb = await startSandbox({ pipeline: 'manual', chaos: { seed: 1, profile: userOnly(1) } });
    try {
      const seen = new Set<string | null>();
      for (let i = 0; i < 20; i++) {
        const res = await api(sb, 'GET', '/api/v2/user/');
        if (res.status === 429) seen.add(res.headers.get('retry-after'));
      }
      expect([...seen]).toEqual(['2']);
      expect((await api(sb, 'GET', '/api/v2/organization/')).status).toBe(200);
    } finally {
      await sb.close();
    }
  });

  it('labels start a phase: counters restart and keys carry the label', async () => {
    const sb = await startSandbox({ pipeline: 'manual' });
    try {
      sb.control.setChaos({ seed: 5, profile: userOnly(0.5), label: 'one' });
      const first = await statuses(sb, 10, false);
      sb.control.setChaos({ seed: 5, profile: userOnly(0.5), label: 'one' });
      const again = await statuses(sb, 10, false);
      expect(again).toEqual(first);
      sb.control.setChaos({ seed: 5, profile: userOnly(0.5), label: 'two' });
      await statuses(sb, 3, false);
      sb.control.setChaos({ seed: 5, profile: userOnly(0.5) });
      await statuses(sb, 2, false);
      sb.control.setChaos({ seed: 5, profile: userOnly(0.5) });
      await statuses(sb, 1, false);
      const report = sb.control.chaosReport();
      // an unlabelled restart resets only the unlabelled counters
      expect(report.counts).toEqual({
        '[one] api GET user': 10,
        '[two] api GET user': 3,
        'api GET user': 1,
      });
      sb.control.setChaos(null);
      expect(await statuses(sb, 5, false)).toEqual(Array(5).fill(200));
    } finally {
      await sb.close();
    }
  });

  it('scripted sequences apply per resource; resources are named stably', async () => {
    const sb = await startSandbox({
      pipeline: 'manual',
      chaos: {
        seed: 0,
        profile: {
          name: 'first-attempt-fails',
          rules: [
            {
              match: { target: 'api', operation: 'POST uploads-post-data' },
              sequence: [{ type: 'status', status: 502 }, null],
            },
          ],
        },
      },
    });
    try {
      const post = (dest: string) =>
        api(sb, 'POST', '/api/v2/uploads-post-data/', { destination_path: dest });
      expect((await post('gncv://seq/A_R1.fastq.gz')).status).toBe(502);
      expect((await post('gncv://seq/B_R1.fastq.gz')).status).toBe(502);
      const a = await post('gncv://seq/A_R1.fastq.gz');
      expect(a.status).toBe(201);
      expect((await post('gncv://seq/A_R1.fastq.gz')).status).toBe(201);
      const report = sb.control.chaosReport();
      expect(report.faults.map((f) => [f.key, f.n])).toEqual([
        ['api POST uploads-post-data gncv://seq/A_R1.fastq.gz', 0],
        ['api POST uploads-post-data gncv://seq/B_R1.fastq.gz', 0],
      ]);
      // S3 object names use the upload's destination path instead of its random id
      sb.control.setChaos({
        seed: 0,
        profile: {
          name: 'put-once',
          rules: [
            { match: { operation: 'PutObject' }, sequence: [{ type: 'status', status: 503 }] },
          ],
        },
      });
      const s3 = oneShotS3(sb);
      const put = () =>
        s3.send(
          new PutObjectCommand({ Bucket: a.body.s3.bucket, Key: a.body.s3.object_name, Body: 'x' }),
        );
      await expect(put()).rejects.toMatchObject({ $metadata: { httpStatusCode: 503 } });
      await put();
      s3.destroy();
      const [fault] = sb.control.chaosReport().faults.filter((f) => f.target === 's3');
      expect(fault!.key).toMatch(
        /^s3 PutObject \/gncv-sandbox-uploads\/organization\/org:Sandbox Genomics Lab\/user\/user:sandbox.user@example.org\/uploads\/upload:gncv:\/\/seq\/A_R1.fastq.gz.fastq-r1$/,
      );
    } finally {
      await sb.close();
    }
  });
});

describe('fault kinds', () => {
  let sb: Sandbox;
  let sampleId: string;
  const vcfUrl = async (): Promise<string> => {
    const detail = await api(sb, 'GET', `/api/v2/samples/${sampleId}`);
    return detail.body.files.find((f: Json) => f.file_type === 'impute-vcf').download_url;
  };
  const only = (rule: ChaosProfile['rules'][number]) =>
    sb.control.setChaos({ seed: 9, profile: { name: 'one-rule', rules: [rule] } });

  beforeAll(async () => {
    sb = await startSandbox({ pipeline: 'instant' });
    const ids = await uploadAndAssign(sb, sb.projects.default, 'kinds', {
      'K1_R1.fastq.gz': fastq(50),
    });
    sampleId = ids.K1!;
  });
  afterAll(async () => {
    await sb?.close();
  });
  afterEach(() => sb.control.setChaos(null));

  it('corrupt flips one byte of an object read', async () => {
    const url = await vcfUrl();
    const good = Buffer.from(await (await fetch(url)).arrayBuffer());
    only({ match: { operation: 'GetObject' }, sequence: [{ type: 'corrupt' }] });
    const bad = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(bad.length).toBe(good.length);
    const diff = [...bad].filter((byte, i) => byte !== good[i]).length;
    expect(diff).toBe(1);
  });

  it('expire-url expires that URL for good; a fresh URL works', async () => {
    const url = await vcfUrl();
    only({ match: { operation: 'GetObject' }, sequence: [{ type: 'expire-url' }] });
    const first = await fetch(url);
    expect(first.status).toBe(403);
    expect(await first.text()).toContain('Request has expired');
    expect((await fetch(url)).status).toBe(403);
    expect((await fetch(await vcfUrl())).status).toBe(200);
  });

  it('truncate and reset-mid-body cut an object read off', async () => {
    const url = await vcfUrl();
    only({
      match: { operation: 'GetObject' },
      sequence: [{ type: 'truncate' }, { type: 'reset-mid-body' }],
    });
    for (let i = 0; i < 2; i++) {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      await expect(res.arrayBuffer()).rejects.toThrow();
    }
    expect((await fetch(url)).status).toBe(200);
  });

  it('expire-credentials makes issued upload credentials expire early', async () => {
    const creds = (await api(sb, 'POST', '/api/v2/upload-credentials/')).body;
    const slot = (
      await api(sb, 'POST', '/api/v2/uploads-post-data/', {
        destination_path: 'gncv://kinds/E1_R1.fastq.gz',
      })
    ).body;
    const client = new S3Client({
      endpoint: sb.s3Url,
      forcePathStyle: true,
      region: 'us-east-1',
      maxAttempts: 1,
      credentials: {
        accessKeyId: creds.access_key,
        secretAccessKey: creds.secret_key,
        sessionToken: creds.token,
      },
    });
    const put = () =>
      client.send(
        new PutObjectCommand({ Bucket: slot.s3.bucket, Key: slot.s3.object_name, Body: 'ACGT' }),
      );
    only({
      match: { operation: 'PutObject' },
      sequence: [
        { type: 'expire-credentials' },
        null,
        { type: 'expire-credentials', scope: 'credential' },
      ],
    });
    // scope 'request' (default): this request only
    await expect(put()).rejects.toMatchObject({ name: 'ExpiredToken' });
    await put();
    // scope 'credential': expired for good
    await expect(put()).rejects.toMatchObject({ name: 'ExpiredToken' });
    await expect(put()).rejects.toMatchObject({ name: 'ExpiredToken' });
    client.destroy();
    expect(new Date(creds.expiry_time).getTime()).toBeGreaterThan(Date.now() + 60_000);
  });

  it('reset-mid-body on an upload cuts the request: nothing is stored', async () => {
    const slot = (
      await api(sb, 'POST', '/api/v2/uploads-post-data/', {
        destination_path: 'gncv://kinds/R1_R1.fastq.gz',
      })
    ).body;
    const s3 = oneShotS3(sb);
    only({ match: { operation: 'PutObject' }, sequence: [{ type: 'reset-mid-body' }] });
    const body = Buffer.alloc(256 * 1024, 1);
    await expect(
      s3.send(
        new PutObjectCommand({ Bucket: slot.s3.bucket, Key: slot.s3.object_name, Body: body }),
      ),
    ).rejects.toThrow();
    expect(await sb.control.s3Object(slot.s3.bucket, slot.s3.object_name)).toBeUndefined();
    await s3.send(
      new PutObjectCommand({ Bucket: slot.s3.bucket, Key: slot.s3.object_name, Body: body }),
    );
    const got = await s3.send(
      new GetObjectCommand({ Bucket: slot.s3.bucket, Key: slot.s3.object_name }),
    );
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
    s3.destroy();
  });

  it('reset-mid-body on the API processes the request and loses the answer', async () => {
    only({
      match: { operation: 'POST uploads-post-data' },
      sequence: [{ type: 'reset-mid-body' }],
    });
    await expect(
      api(sb, 'POST', '/api/v2/uploads-post-data/', {
        destination_path: 'gncv://kinds/L1.fastq.gz',
      }),
    ).rejects.toThrow();
    const again = await api(sb, 'POST', '/api/v2/uploads-post-data/', {
      destination_path: 'gncv://kinds/L1.fastq.gz',
    });
    expect(again.status).toBe(201);
    const sheet = await api(sb, 'GET', '/api/v2/sample-sheet/?search=gncv://kinds/L1');
    expect(sheet.body.results).toHaveLength(1);
  });

  it('maintenance and delay through a profile', async () => {
    only({
      match: { operation: 'GET user' },
      sequence: [
        { type: 'maintenance', eta: '2030-01-01 00:00:00' },
        { type: 'delay', ms: 50 },
      ],
    });
    const m = await api(sb, 'GET', '/api/v2/user/');
    expect(m.status).toBe(503);
    expect(m.body.maintenance).toBe(true);
    expect((await api(sb, 'GET', '/api/v2/user/')).status).toBe(200);
  });

  it('explicit fault rules take precedence over chaos and accept the new kinds', async () => {
    only({ match: { operation: 'GetObject' }, sequence: [{ type: 'status', status: 500 }] });
    sb.control.addFault({ match: { target: 's3' }, fault: { type: 'corrupt' } });
    const before = sb.control.chaosReport().faults.length;
    const res = await fetch(await vcfUrl());
    expect(res.status).toBe(200);
    expect(sb.control.chaosReport().faults.length).toBe(before);
    expect((await fetch(await vcfUrl())).status).toBe(500);
  });
});

describe('S3 operation names', () => {
  it.each([
    ['PUT', 'k', '', 'PutObject'],
    ['PUT', 'k', 'partNumber=2&uploadId=u', 'UploadPart'],
    ['POST', 'k', 'uploads', 'CreateMultipartUpload'],
    ['POST', 'k', 'uploadId=u', 'CompleteMultipartUpload'],
    ['DELETE', 'k', 'uploadId=u', 'AbortMultipartUpload'],
    ['GET', 'k', '', 'GetObject'],
    ['HEAD', 'k', '', 'HeadObject'],
    ['HEAD', '', '', 'HeadBucket'],
    ['GET', '', 'list-type=2&prefix=a', 'ListObjectsV2'],
  ])('%s %s ?%s → %s', (method, key, query, name) => {
    expect(s3Operation(method, key, new URLSearchParams(query))).toBe(name);
  });
});

describe('webhook chaos', () => {
  it('duplicates and reorders deliveries, reproducibly', async () => {
    const bodies: string[] = [];
    const receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        bodies.push(body);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const port = (receiver.address() as AddressInfo).port;
    const sb = await startSandbox({
      pipeline: 'manual',
      webhook: { url: `http://127.0.0.1:${port}/hook`, secret: 'whsec-chaos' },
      chaos: {
        seed: 3,
        profile: { name: 'hooks', rules: [], webhooks: { duplicate: 1, reorder: 0 } },
      },
    });
    try {
      const ids = await uploadAndAssign(sb, sb.projects.default, 'hooks', {
        'H1_R1.fastq.gz': fastq(5),
        'H2_R1.fastq.gz': fastq(5),
        'H3_R1.fastq.gz': fastq(5),
        'H4_R1.fastq.gz': fastq(5),
      });
      await sb.control.setSampleStatus(ids.H1!, 'succeeded');
      sb.control.setChaos({
        seed: 3,
        profile: { name: 'hooks', rules: [], webhooks: { duplicate: 0, reorder: 1 } },
      });
      await sb.control.setSampleStatus(ids.H2!, 'failed');
      sb.control.setChaos(null);
      // H2 is held back until the next event went out: H3 overtakes it
      await sb.control.setSampleStatus(ids.H3!, 'succeeded');
      sb.control.setChaos({
        seed: 3,
        profile: { name: 'hooks', rules: [], webhooks: { duplicate: 0, reorder: 1 } },
      });
      // nothing comes after H4: it goes out when the hold time is over
      await sb.control.setSampleStatus(ids.H4!, 'succeeded');
      await new Promise((r) => setTimeout(r, 1500));
      const clientOf = (body: string) => JSON.parse(body)[0].payload.samples[0].client_id;
      // the order in which the sandbox sent them (received order may vary: one POST each)
      expect(sb.control.webhooks.map((d) => clientOf(d.body))).toEqual([
        'H1',
        'H1',
        'H3',
        'H2',
        'H4',
      ]);
      const events = bodies.map((b) => JSON.parse(b)[0]);
      expect(events).toHaveLength(5);
      const h1 = events.filter((e) => e.payload.samples[0].client_id === 'H1');
      expect(h1).toHaveLength(2);
      expect(h1[0].event_id).toBe(h1[1].event_id);
      expect(bodies.filter((b) => clientOf(b) === 'H1')[0]).toBe(
        bodies.filter((b) => clientOf(b) === 'H1')[1],
      );
      for (const id of ['H2', 'H3', 'H4']) {
        expect(events.filter((e) => e.payload.samples[0].client_id === id)).toHaveLength(1);
      }
      const kinds = sb.control.chaosReport().faults.map((f) => f.fault.type);
      expect(kinds).toEqual(['duplicate', 'reorder', 'reorder']);
    } finally {
      await sb.close();
      receiver.closeAllConnections();
      await new Promise((r) => receiver.close(r));
    }
  });
});

describe('control API and issued secrets', () => {
  it('POST /_sandbox/chaos takes a named or custom profile; GET reports', async () => {
    const sb = await startSandbox({ pipeline: 'manual' });
    try {
      const bad = await fetch(`${sb.url}/_sandbox/chaos`, {
        method: 'POST',
        body: JSON.stringify({ seed: 1, profile: 'sometimes' }),
      });
      expect(bad.status).toBe(400);
      expect(await bad.text()).toContain('unknown chaos profile');
      const ok = await fetch(`${sb.url}/_sandbox/chaos`, {
        method: 'POST',
        body: JSON.stringify({
          seed: 11,
          label: 'http',
          profile: {
            name: 'regex',
            rules: [
              {
                match: { operationRegex: '^GET (user|organization)$' },
                probability: 1,
                faults: [{ fault: { type: 'status', status: 500 } }],
              },
            ],
          },
        }),
      });
      expect(ok.status).toBe(200);
      expect((await api(sb, 'GET', '/api/v2/organization/')).status).toBe(500);
      expect((await api(sb, 'GET', '/api/v2/projects/')).status).toBe(200);
      const report = (await (await fetch(`${sb.url}/_sandbox/chaos`)).json()) as Json;
      expect(report).toMatchObject({ seed: 11, profile: 'regex' });
      expect(report.faults.map((f: Json) => f.key)).toEqual(['[http] api GET organization']);
      await fetch(`${sb.url}/_sandbox/chaos`, { method: 'DELETE' });
      expect((await api(sb, 'GET', '/api/v2/organization/')).status).toBe(200);
    } finally {
      await sb.close();
    }
  });

  it('issuedSecrets lists the API key, passwords, JWTs, upload secrets and URL signatures', async () => {
    const sb = await startSandbox({ pipeline: 'instant' });
    try {
      const jwt = (
        await api(
          sb,
          'POST',
          '/api/v2/jwt-create/',
          { email: sb.email, password: sb.password },
          null,
        )
      ).body;
      const creds = (await api(sb, 'POST', '/api/v2/upload-credentials/')).body;
      const list = await api(
        sb,
        'GET',
        `/api/v2/project-samples/${sb.projects.default}?search=SEED-A01`,
      );
      const detail = await api(sb, 'GET', `/api/v2/samples/${list.body.results[0].id}`);
      const signature = new URL(detail.body.files[0].download_url).searchParams.get(
        'X-Amz-Signature',
      );
      const secrets = sb.control.issuedSecrets();
      for (const value of [
        sb.apiKey,
        sb.password,
        sb.mfa.password,
        jwt.access,
        jwt.refresh,
        creds.secret_key,
        creds.token,
        signature,
      ]) {
        expect(secrets).toContain(value);
      }
      const overHttp = (await (
        await fetch(`${sb.url}/_sandbox/issued-secrets`)
      ).json()) as string[];
      expect(overHttp).toContain(creds.token);
    } finally {
      await sb.close();
    }
  });
});

describe('gencove-sandbox --chaos-seed / --chaos-profile', () => {
  const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

  it.skipIf(!existsSync(BIN))('turns chaos on for the run and says so', async () => {
    const child = spawn(
      process.execPath,
      [BIN, '--json', '--pipeline', 'manual', '--chaos-seed', '7', '--chaos-profile', 'hostile'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const line = await new Promise<string>((resolve) =>
      createInterface({ input: child.stdout! }).once('line', resolve),
    );
    const info = JSON.parse(line);
    expect(info.chaos).toEqual({ seed: 7, profile: 'hostile' });
    const report = (await (await fetch(`${info.url}/_sandbox/chaos`)).json()) as Json;
    expect(report).toMatchObject({ seed: 7, profile: 'hostile' });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it.skipIf(!existsSync(BIN))('refuses an unknown profile', async () => {
    const child = spawn(process.execPath, [BIN, '--chaos-profile', 'sometimes'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (c) => {
      stderr += c;
    });
    expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(1);
    expect(stderr).toContain('--chaos-profile must be one of flaky, hostile, slow, webhooks');
  });
});
