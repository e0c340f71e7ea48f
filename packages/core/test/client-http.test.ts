/**
 * Client against a tiny local node:http server (real HTTP on 127.0.0.1): hostile
 * bodies, transport failures and exact wire details the sandbox is not meant to fake.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  AbortError,
  type ClientEvent,
  GencoveClient,
  type GencoveClientOptions,
  InvalidArgumentError,
  NetworkError,
  ResponseShapeError,
  TimeoutError,
  VERSION,
} from '../src/index.js';
import {
  json,
  type LocalHandler,
  type LocalServer,
  startLocalServer,
} from './helpers/local-server.js';

const PROJECT = '75d75eda-5424-4249-9206-60ecef0c55b1';
const SAMPLE = '4c0468d4-18dc-471c-9201-2084cd81599b';
const FILE = '06b43410-71fe-4340-b681-c1418874cb10';
const user = {
  id: 'e8e4d326-9867-4560-9dc1-561b7c23ea05',
  email: 'dana.reyes@example.org',
  name: 'Dana Reyes',
  uploads_enabled: true,
  explorer_enabled: false,
  is_support: false,
};

let server: LocalServer | undefined;
let client: GencoveClient | undefined;
afterEach(async () => {
  await client?.close();
  await server?.close();
  client = undefined;
  server = undefined;
});

async function setup(handler: LocalHandler, options: Partial<GencoveClientOptions> = {}) {
  server = await startLocalServer(handler);
  const delays: number[] = [];
  const events: ClientEvent[] = [];
  client = new GencoveClient({
    host: server.url,
    apiKey: 'test-api-key-1234',
    onEvent: (e) => events.push(e),
    ...options,
    retry: {
      random: () => 0,
      sleep: async (ms) => {
        delays.push(ms);
      },
      ...options.retry,
    },
  });
  return { server, client, delays, events };
}

describe('wire conventions (§1.2–§1.4)', () => {
  it('sends content-type, version and Api-Key on every call; POST without payload sends {}', async () => {
    const { server, client } = await setup((req, res) => {
      if (req.url.pathname === '/api/v2/user/') return json(res, 200, user);
      return json(res, 200, {
        version: 1,
        access_key: 'ASIAEXAMPLE',
        secret_key: 'secretsecret',
        token: 'sessiontoken',
        expiry_time: '2026-01-05T10:14:03+00:00',
      });
    });
    expect(await client.getUser()).toMatchObject({ email: 'dana.reyes@example.org' });
    await client.getUploadCredentials();
    const [get, post] = server.requests;
    expect(get?.method).toBe('GET');
    expect(get?.headers['content-type']).toBe('application/json');
    expect(get?.headers['gencove-cli-version']).toBe(VERSION);
    expect(get?.headers.authorization).toBe('Api-Key test-api-key-1234');
    expect(get?.body).toBe('');
    expect(post?.method).toBe('POST');
    expect(post?.url.pathname).toBe('/api/v2/upload-credentials/');
    expect(post?.body).toBe('{}');
  });

  it('host path is discarded; ID paths have no trailing slash', async () => {
    const { server } = await setup((_req, res) => json(res, 200, { id: SAMPLE }));
    const c = new GencoveClient({ host: `${server.url}/ignored/path`, apiKey: 'k-123' });
    await c.getSample(SAMPLE);
    await c.close();
    expect(server.requests[0]?.url.pathname).toBe(`/api/v2/samples/${SAMPLE}`);
  });

  it('empty 202 body → {} / void; sha256 read as text; text/csv as string', async () => {
    const { client, server } = await setup((req, res) => {
      if (req.url.pathname.startsWith('/api/v2/project-restore-samples/')) {
        res.writeHead(202);
        return res.end();
      }
      if (req.url.pathname.endsWith('.sha256')) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        return res.end(`${'a'.repeat(64)} *${req.url.searchParams.get('filename')}\n`);
      }
      res.writeHead(200, { 'content-type': 'text/csv' });
      res.end('a,b\n1,2\n');
    });
    await expect(client.restoreSamples(PROJECT, [SAMPLE])).resolves.toBeUndefined();
    expect(server.requests[0]?.json).toEqual({ sample_ids: [SAMPLE] });
    expect(await client.getFileChecksum(FILE, 'x.vcf.gz')).toBe(`${'a'.repeat(64)} *x.vcf.gz\n`);
    expect(server.requests[1]?.url.search).toBe('?filename=x.vcf.gz');
    expect(await client.request({ path: `/api/v2/project-qc-report/${PROJECT}` })).toBe(
      'a,b\n1,2\n',
    );
  });

  it('validates arguments before sending anything', async () => {
    const { client, server } = await setup((_req, res) => json(res, 200, {}));
    await expect(client.getSample('PLT4-A03')).rejects.toThrow(InvalidArgumentError);
    expect(() => client.listProjectSamples(PROJECT, { status: 'done' as never })).toThrow(
      /status must be one of/,
    );
    await expect(client.createUpload('s3://bucket/x')).rejects.toThrow(/gncv:\/\//);
    await expect(client.createUrlUpload('gncv://a/x', 'ftp://x')).rejects.toThrow(
      InvalidArgumentError,
    );
    await expect(client.restoreSamples(PROJECT, ['nope'])).rejects.toThrow(/sampleIds\[0\]/);
    await expect(client.request({ path: 'https://evil.test/x' })).rejects.toThrow(/start with/);
    expect(server.requests).toHaveLength(0);
  });
});

describe('response shape validation', () => {
  it('missing required field → ResponseShapeError naming endpoint and field', async () => {
    const { client } = await setup((_req, res) => json(res, 200, { ...user, email: undefined }));
    const err = await client.getUser().catch((e) => e);
    expect(err).toBeInstanceOf(ResponseShapeError);
    expect(err.code).toBe('ERR_GENCOVE_RESPONSE');
    expect(err.field).toBe('email');
    expect(err.endpoint).toBe('/api/v2/user/');
    expect(err.message).toContain('GET /api/v2/user/');
    expect(err.message).toContain('"email"');
  });

  it('nested list item field path', async () => {
    const { client } = await setup((_req, res) =>
      json(res, 200, {
        meta: { count: 3, next: null },
        results: [{ id: 'a' }, { client_id: 'no-id' }, { id: 'c' }],
      }),
    );
    const err = await client
      .listProjectSamples(PROJECT)
      .toArray()
      .catch((e) => e);
    expect(err).toBeInstanceOf(ResponseShapeError);
    expect(err.field).toBe('results[1].id');
    expect(err.message).toContain(`/api/v2/project-samples/${PROJECT}`);
  });

  it('non-JSON 2xx body', async () => {
    const { client } = await setup((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>proxy login</html>');
    });
    const err = await client.getSample(SAMPLE).catch((e) => e);
    expect(err).toBeInstanceOf(ResponseShapeError);
    expect(err.message).toMatch(/body is not JSON/);
  });

  it('unknown fields kept, optional ones absent, files default to []', async () => {
    const { client } = await setup((_req, res) => json(res, 200, { id: SAMPLE, brand_new: 1 }));
    const s = await client.getSample(SAMPLE);
    expect(s.files).toEqual([]);
    expect(s.brand_new).toBe(1);
  });

  it('uploads-post-data without last_status is re-POSTed (§3.7)', async () => {
    let n = 0;
    const { client, server, events } = await setup((_req, res) => {
      n++;
      json(res, 201, {
        id: '7af9b4dd-7bf8-4e07-b90c-551a5f3a9e87',
        destination_path: 'gncv://run-a/S1_R1.fastq.gz',
        s3: { bucket: 'b', object_name: 'o' },
        ...(n >= 3 ? { last_status: { status: 'started' } } : { last_status: null }),
      });
    });
    const up = await client.createUpload('gncv://run-a/S1_R1.fastq.gz');
    expect(up.last_status?.status).toBe('started');
    expect(server.requests).toHaveLength(3);
    expect(
      events.filter((e) => e.type === 'retry').map((e) => (e as { reason: string }).reason),
    ).toEqual(['incomplete-response', 'incomplete-response']);
  });
});

describe('error bodies the sandbox cannot send', () => {
  it('empty 4xx and non-JSON 4xx', async () => {
    const { client } = await setup((req, res) => {
      if (req.url.pathname === '/api/v2/user/') {
        res.writeHead(403);
        return res.end();
      }
      res.writeHead(400, { 'content-type': 'text/html' });
      res.end('<html><body>Bad Request</body></html>');
    });
    const e1 = await client.getUser().catch((e) => e);
    expect(e1.code).toBe('ERR_GENCOVE_FORBIDDEN');
    expect(e1.message).toBe(
      'Permission denied (403) on GET /api/v2/user/: insufficient permission level for this operation',
    );
    const e2 = await client.getOrganization().catch((e) => e);
    expect(e2.code).toBe('ERR_GENCOVE_VALIDATION');
    expect(e2.message).toBe(
      'Bad request (400) on GET /api/v2/organization/: (response body is not JSON, content-type text/html)',
    );
  });
});

describe('pagination (§1.7)', () => {
  it('walks >200 items taking only offset from meta.next and re-sending own params', async () => {
    const total = 450;
    const { client, server } = await setup((req, res) => {
      const offset = Number(req.url.searchParams.get('offset'));
      const limit = Number(req.url.searchParams.get('limit'));
      const end = Math.min(total, offset + limit);
      const results = Array.from({ length: end - offset }, (_, i) => ({
        client_id: `S${offset + i}`,
        fastq: { r1: { upload: `u${offset + i}` } },
      }));
      json(res, 200, {
        meta: {
          count: total,
          // server-built next drops our filters on purpose: the client must re-send them
          next:
            end < total
              ? `http://other.invalid/api/v2/sample-sheet/?offset=${end}&limit=${limit}`
              : null,
        },
        results,
      });
    });
    const listing = client.listSampleSheet({ search: 'gncv://run-a/', status: 'unassigned' });
    const items = await listing.toArray();
    expect(items).toHaveLength(total);
    expect(items[449]?.client_id).toBe('S449');
    const queries = server.requests.map((r) => Object.fromEntries(r.url.searchParams));
    expect(queries).toEqual(
      [0, 200, 400].map((offset) => ({
        search: 'gncv://run-a/',
        status: 'unassigned',
        sort_by: 'created',
        sort_order: 'desc',
        offset: String(offset),
        limit: '200',
      })),
    );
    const pages = [];
    for await (const p of listing.pages())
      pages.push([p.offset, p.items.length, p.count, p.nextOffset]);
    expect(pages).toEqual([
      [0, 200, 450, 200],
      [200, 200, 450, 400],
      [400, 50, 450, undefined],
    ]);
  });

  it('meta keys optional; count via countProjectSamples', async () => {
    const { client, server } = await setup((req, res) => {
      if (req.url.searchParams.get('limit') === '1')
        return json(res, 200, { meta: { count: 42 }, results: [] });
      return json(res, 200, { results: [{ id: SAMPLE }] });
    });
    expect(await client.listProjectSamples(PROJECT).toArray()).toHaveLength(1);
    expect(await client.countProjectSamples(PROJECT, { status: 'running' })).toBe(42);
    expect(Object.fromEntries(server.requests[0]?.url.searchParams ?? [])).toEqual({
      status: 'all',
      archive_status: 'all',
      hidden_status: 'visible',
      sort_by: 'modified',
      sort_order: 'desc',
      offset: '0',
      limit: '200',
    });
  });
});

describe('transport failures', () => {
  it('no response within timeoutMs → TimeoutError (headers), retried then raised', async () => {
    const { client, server, delays } = await setup(
      () => {
        /* never answer */
      },
      { timeoutMs: 150, retry: { maxAttempts: 2 } },
    );
    const err = await client.getUser().catch((e) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.code).toBe('ERR_GENCOVE_TIMEOUT');
    expect(err.phase).toBe('headers');
    expect(err.message).toContain('GET /api/v2/user/');
    expect(server.requests).toHaveLength(2);
    expect(delays).toHaveLength(1);
  });

  it('stalled body → TimeoutError (body)', async () => {
    const { client } = await setup(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"id":');
      },
      { timeoutMs: 150, retry: { maxAttempts: 1 } },
    );
    const err = await client.getUser().catch((e) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.phase).toBe('body');
  });

  it('connection reset → retried → success', async () => {
    let n = 0;
    const { client, delays, events } = await setup((_req, res, raw) => {
      n++;
      if (n <= 2) return raw.socket.destroy();
      json(res, 200, user);
    });
    await expect(client.getUser()).resolves.toMatchObject({ id: user.id });
    expect(delays).toHaveLength(2);
    expect(
      events.filter((e) => e.type === 'retry').map((e) => (e as { reason: string }).reason),
    ).toEqual(['network', 'network']);
  });

  it('connection reset exhausted → NetworkError', async () => {
    const { client, server } = await setup((_req, _res, raw) => raw.socket.destroy());
    const err = await client.getUser().catch((e) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect(err.code).toBe('ERR_GENCOVE_NETWORK');
    expect(err.requestSent).toBe(true);
    expect(server.requests).toHaveLength(4);
  });

  it('reset on a non-idempotent POST is not retried', async () => {
    const { client, server } = await setup((_req, _res, raw) => raw.socket.destroy());
    const err = await client
      .assignUploads(PROJECT, [{ client_id: 'S1', fastq: { r1: { upload: SAMPLE } } }])
      .catch((e) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect(server.requests).toHaveLength(1);
  });

  it('connection refused → NetworkError (requestSent false)', async () => {
    const s = await startLocalServer(() => {});
    const url = s.url;
    await s.close();
    const c = new GencoveClient({
      host: url,
      apiKey: 'k-123',
      retry: { maxAttempts: 2, sleep: async () => {} },
    });
    const err = await c.getUser().catch((e) => e);
    await c.close();
    expect(err).toBeInstanceOf(NetworkError);
    expect(err.networkCode).toBe('ECONNREFUSED');
    expect(err.requestSent).toBe(false);
    expect(err.message).toContain('Connection refused');
  });

  it('AbortSignal aborts an in-flight request', async () => {
    const { client } = await setup(() => {
      /* never answer */
    });
    const ac = new AbortController();
    const p = client.getUser({ signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    const err = await p.catch((e) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect(err.code).toBe('ERR_GENCOVE_ABORTED');
  });

  it('AbortSignal aborts a retry wait (real sleep) and already-aborted signals', async () => {
    server = await startLocalServer((_req, res) => json(res, 500, {}));
    client = new GencoveClient({
      host: server.url,
      apiKey: 'k-123',
      retry: { baseDelayMs: 60_000, random: () => 0.99 },
    });
    const ac = new AbortController();
    const p = client.getUser({ signal: ac.signal });
    setTimeout(() => ac.abort(), 100);
    await expect(p).rejects.toBeInstanceOf(AbortError);
    await expect(client.getUser({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
      AbortError,
    );
    expect(() => client?.listProjects({ signal: AbortSignal.abort() })).not.toThrow();
  });
});
