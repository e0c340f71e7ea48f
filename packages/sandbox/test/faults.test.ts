import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../src/index.js';
import { api, download, type Json } from './helpers.js';

let sb: Sandbox;
let vcfUrl: string;

beforeAll(async () => {
  sb = await startSandbox({ pipeline: 'manual' });
  const list = await api(
    sb,
    'GET',
    `/api/v2/project-samples/${sb.projects.default}?search=SEED-A01`,
  );
  const detail = await api(sb, 'GET', `/api/v2/samples/${list.body.results[0].id}`);
  vcfUrl = detail.body.files.find(
    (f: { file_type: string }) => f.file_type === 'impute-vcf',
  ).download_url;
});
afterAll(async () => {
  await sb?.close();
});
afterEach(() => {
  sb.control.clearFaults();
  sb.control.clearRequests();
});

describe('API faults', () => {
  it('status: 429 with Retry-After for `times` requests, then normal', async () => {
    sb.control.addFault({
      match: { path: '/api/v2/user', target: 'api' },
      times: 2,
      fault: { type: 'status', status: 429, retryAfter: 3 },
    });
    const a = await api(sb, 'GET', '/api/v2/user/');
    const b = await api(sb, 'GET', '/api/v2/user');
    const c = await api(sb, 'GET', '/api/v2/user/');
    expect([a.status, b.status, c.status]).toEqual([429, 429, 200]);
    expect(a.headers.get('retry-after')).toBe('3');
    expect(a.body).toEqual({ detail: 'Request was throttled.' });
    const log = sb.control.requests.filter((r) => r.path.startsWith('/api/v2/user'));
    expect(log.map((r) => r.status)).toEqual([429, 429, 200]);
    expect(log.every((r) => r.target === 'api' && r.method === 'GET')).toBe(true);
  });

  it('status with a custom body and a method / RegExp match', async () => {
    sb.control.addFault({
      match: { method: 'POST', path: /^\/api\/v2\/projects\/?$/ },
      fault: { type: 'status', status: 500, body: { detail: 'boom' } },
    });
    expect((await api(sb, 'GET', '/api/v2/projects/')).status).toBe(200);
    const res = await api(sb, 'POST', '/api/v2/projects/', { name: 'x' });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ detail: 'boom' });
    expect((await api(sb, 'POST', '/api/v2/projects/', { name: 'x' })).status).toBe(201);
  });

  it('maintenance: 503 with the maintenance body', async () => {
    sb.control.addFault({
      match: {},
      fault: { type: 'maintenance', eta: '2026-02-01 18:00:00', message: 'Back soon.' },
    });
    const res = await api(sb, 'GET', '/api/v2/user/');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({
      maintenance: true,
      maintenance_eta: '2026-02-01 18:00:00',
      maintenance_message: 'Back soon.',
    });
  });

  it('reset: the connection is destroyed without a response', async () => {
    sb.control.addFault({ match: { target: 'api' }, fault: { type: 'reset' } });
    await expect(api(sb, 'GET', '/api/v2/user/')).rejects.toThrow();
    expect((await api(sb, 'GET', '/api/v2/user/')).status).toBe(200);
    expect(sb.control.requests.map((r) => r.status)).toEqual([0, 200]);
  });

  it('delay: answers normally afterwards', async () => {
    sb.control.addFault({ match: { path: '/api/v2/user' }, fault: { type: 'delay', ms: 150 } });
    const res = await api(sb, 'GET', '/api/v2/user/');
    expect(res.status).toBe(200);
    expect(res.body.email).toBe(sb.email);
  });

  it('truncate: headers and half of the body, then the socket closes', async () => {
    sb.control.addFault({ match: { path: '/api/v2/user' }, fault: { type: 'truncate' } });
    const res = await fetch(`${sb.url}/api/v2/user/`, {
      headers: { authorization: `Api-Key ${sb.apiKey}` },
    });
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });

  it('faults with times: Infinity persist until cleared; removeFault removes one rule', async () => {
    const id = sb.control.addFault({
      match: { path: '/api/v2/organization' },
      times: Number.POSITIVE_INFINITY,
      fault: { type: 'status', status: 502 },
    });
    for (let i = 0; i < 3; i++)
      expect((await api(sb, 'GET', '/api/v2/organization/')).status).toBe(502);
    sb.control.removeFault(id);
    expect((await api(sb, 'GET', '/api/v2/organization/')).status).toBe(200);
  });

  it('invalid rules are refused', () => {
    expect(() =>
      sb.control.addFault({ match: {}, fault: { type: 'status', status: 99 } }),
    ).toThrow();
    // a rule that would apply never (or a fraction of a time) is a mistake, not a no-op
    for (const times of [0, -1, 1.5, Number.NaN]) {
      expect(() =>
        sb.control.addFault({ match: {}, times, fault: { type: 'status', status: 503 } }),
      ).toThrow(/times must be a whole number >= 1/);
    }
    expect(() =>
      sb.control.addFault({
        match: {},
        fault: { type: 'status', status: 429, retryAfter: Number.NaN },
      }),
    ).toThrow(/retryAfter/);
    expect(() =>
      sb.control.addFault({
        match: {},
        fault: { type: 'expire-credentials', scope: 'forever' as 'credential' },
      }),
    ).toThrow(/scope must be/);
    expect(() => sb.control.addFault({ match: {}, fault: { type: 'explode' } as never })).toThrow(
      /unknown fault type explode/,
    );
  });

  it('a refused rule leaves no rule behind', async () => {
    expect(() =>
      sb.control.addFault({ match: {}, times: 0, fault: { type: 'status', status: 503 } }),
    ).toThrow();
    expect((await api(sb, 'GET', '/api/v2/organization/')).status).toBe(200);
  });
});

describe('S3 faults', () => {
  it('status 503 on a download, then normal; API requests unaffected', async () => {
    sb.control.addFault({
      match: { target: 's3', method: 'GET' },
      fault: { type: 'status', status: 503 },
    });
    expect((await api(sb, 'GET', '/api/v2/user/')).status).toBe(200);
    const res = await download(vcfUrl);
    expect(res.status).toBe(503);
    expect(res.body.toString()).toContain('<Code>SlowDown</Code>');
    expect((await download(vcfUrl)).status).toBe(200);
    const s3 = sb.control.requests.filter((r) => r.target === 's3');
    expect(s3.map((r) => r.status)).toEqual([503, 200]);
    expect(s3[0]!.path).toBe(new URL(vcfUrl).pathname);
    expect(s3[0]!.query['X-Amz-Algorithm']).toBe('AWS4-HMAC-SHA256');
  });

  it('reset, truncate and delay on S3', async () => {
    sb.control.addFault({ match: { target: 's3' }, fault: { type: 'reset' } });
    await expect(fetch(vcfUrl)).rejects.toThrow();
    sb.control.addFault({ match: { target: 's3' }, fault: { type: 'truncate' } });
    const res = await fetch(vcfUrl);
    const declared = Number(res.headers.get('content-length'));
    expect(declared).toBeGreaterThan(0);
    await expect(res.arrayBuffer()).rejects.toThrow();
    sb.control.addFault({ match: { target: 's3' }, fault: { type: 'delay', ms: 100 } });
    expect((await download(vcfUrl)).status).toBe(200);
  });
});

describe('control API over HTTP', () => {
  it('adds faults with pathRegex, lists requests, advances, expires tokens', async () => {
    const add = await fetch(`${sb.url}/_sandbox/faults`, {
      method: 'POST',
      body: JSON.stringify({
        match: { pathRegex: '^/api/v2/user/?$' },
        times: 1,
        fault: { type: 'status', status: 418 },
      }),
    });
    expect(add.status).toBe(201);
    expect((await api(sb, 'GET', '/api/v2/user/')).status).toBe(418);
    const log = (await (await fetch(`${sb.url}/_sandbox/requests`)).json()) as Json;
    expect(log.map((r: { status: number }) => r.status)).toEqual([418]);
    expect((await fetch(`${sb.url}/_sandbox/requests`, { method: 'DELETE' })).status).toBe(200);
    expect(sb.control.requests).toHaveLength(0);
    expect(
      (await fetch(`${sb.url}/_sandbox/advance`, { method: 'POST', body: '{"ms": 10}' })).status,
    ).toBe(200);
    const info = (await (await fetch(`${sb.url}/_sandbox/info`)).json()) as Json;
    expect(info).toMatchObject({
      url: sb.url,
      s3Url: sb.s3Url,
      apiKey: sb.apiKey,
      projects: sb.projects,
    });
    const bad = await fetch(`${sb.url}/_sandbox/faults`, {
      method: 'POST',
      body: '{"match":{},"fault":{"type":"nope"}}',
    });
    expect(bad.status).toBe(400);
    const modes = await fetch(`${sb.url}/_sandbox/modes`, {
      method: 'POST',
      body: '{"corruptDownloads": false}',
    });
    expect(modes.status).toBe(200);
    const list = await api(
      sb,
      'GET',
      `/api/v2/project-samples/${sb.projects.default}?search=SEED-A01`,
    );
    const sampleRes = await fetch(`${sb.url}/_sandbox/samples/${list.body.results[0].id}`);
    const sample = (await sampleRes.json()) as Json;
    expect(sample.client_id).toBe('SEED-A01');
    const file = sample.files[0];
    const bytes = await fetch(`${sb.url}/_sandbox/s3/${file.bucket}/${file.key}`);
    expect(Buffer.from(await bytes.arrayBuffer()).length).toBe(file.size);
  });
});
