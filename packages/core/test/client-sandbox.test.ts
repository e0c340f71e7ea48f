/**
 * GencoveClient against @gencove/sandbox (real HTTP on 127.0.0.1, no HTTP mocks).
 */
import { type Sandbox, startSandbox } from '@gencove/sandbox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AbortError,
  AuthenticationError,
  type ClientEvent,
  GencoveClient,
  type GencoveClientOptions,
  MaintenanceError,
  NetworkError,
  NotFoundError,
  OtpRequiredError,
  RateLimitError,
  ServerError,
  TimeoutError,
  ValidationError,
} from '../src/index.js';

let sb: Sandbox;
const clients: GencoveClient[] = [];

beforeAll(async () => {
  sb = await startSandbox({ pipeline: 'instant', largeProjectSamples: 450 });
});
afterEach(async () => {
  sb.control.clearFaults();
  sb.control.clearRequests();
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await sb?.close();
});

interface Harness {
  client: GencoveClient;
  delays: number[];
  events: ClientEvent[];
}

function make(options: Partial<GencoveClientOptions> = {}): Harness {
  const delays: number[] = [];
  const events: ClientEvent[] = [];
  const client = new GencoveClient({
    host: sb.url,
    apiKey: sb.apiKey,
    onEvent: (e) => events.push(e),
    ...options,
    retry: {
      sleep: async (ms) => {
        delays.push(ms);
      },
      ...options.retry,
    },
  });
  clients.push(client);
  return { client, delays, events };
}

const jwt = () => ({ apiKey: undefined, email: sb.email, password: sb.password });
const apiCalls = (path: string) =>
  sb.control.requests.filter(
    (r) => r.target === 'api' && r.path.replace(/\/$/, '') === path.replace(/\/$/, ''),
  );

describe('auth', () => {
  it('API key', async () => {
    const { client } = make();
    expect(client.authMode).toBe('api-key');
    const me = await client.getUser();
    expect(me.email).toBe(sb.email);
    expect(apiCalls('/api/v2/jwt-create/')).toHaveLength(0);
  });

  it('e-mail + password → JWT', async () => {
    const { client } = make(jwt());
    expect(client.authMode).toBe('jwt');
    expect((await client.getUser()).email).toBe(sb.email);
    expect(apiCalls('/api/v2/jwt-create/')).toHaveLength(1);
  });

  it('expired access token → exactly one refresh for concurrent requests', async () => {
    const { client, events } = make(jwt());
    await client.login();
    sb.control.expireAccessTokens();
    const got = await Promise.all([
      client.getUser(),
      client.getOrganization(),
      client.getProject(sb.projects.default),
      client.getUser(),
      client.listProjects().toArray(),
    ]);
    expect(got).toHaveLength(5);
    expect(apiCalls('/api/v2/jwt-refresh/')).toHaveLength(1);
    expect(apiCalls('/api/v2/jwt-create/')).toHaveLength(1);
    expect(
      events.filter((e) => e.type === 'auth-refresh').map((e) => (e as { phase: string }).phase),
    ).toEqual(['start', 'success']);
  });

  it('OTP callback supplied', async () => {
    let asked = 0;
    const { client } = make({
      apiKey: undefined,
      email: sb.mfa.email,
      password: sb.mfa.password,
      otp: async () => {
        asked++;
        return sb.mfa.otpToken;
      },
    });
    expect((await client.getUser()).email).toBe(sb.mfa.email);
    expect(asked).toBe(1);
    expect(apiCalls('/api/v2/jwt-create/')).toHaveLength(2);
  });

  it('OTP missing → OtpRequiredError', async () => {
    const { client } = make({ apiKey: undefined, email: sb.mfa.email, password: sb.mfa.password });
    const err = await client.login().catch((e) => e);
    expect(err).toBeInstanceOf(OtpRequiredError);
    expect(err.code).toBe('ERR_GENCOVE_OTP_REQUIRED');
  });

  it('bad credentials → AuthenticationError; bad API key → AuthenticationError without refresh', async () => {
    const { client } = make({ apiKey: undefined, email: sb.email, password: 'not-the-password' });
    const err = await client.getUser().catch((e) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err.message).not.toContain('not-the-password');
    const { client: bad } = make({ apiKey: 'definitely-not-a-key' });
    const err2 = await bad.getUser().catch((e) => e);
    expect(err2).toBeInstanceOf(AuthenticationError);
    expect(err2.status).toBe(401);
    expect(err2.message).not.toContain('definitely-not-a-key');
    expect(apiCalls('/api/v2/jwt-refresh/')).toHaveLength(0);
  });
});

describe('read endpoints', () => {
  it('user, organization, projects, project, samples, sample, QC, metadata, file types, checksum', async () => {
    const { client } = make();
    expect((await client.getOrganization()).name).toBeTruthy();
    const projects = await client.listProjects().toArray();
    expect(projects.map((p) => p.id)).toContain(sb.projects.default);
    const project = await client.getProject(sb.projects.default);
    expect(project.id).toBe(sb.projects.default);
    const samples = await client.listProjectSamples(sb.projects.default).toArray();
    expect(samples.length).toBeGreaterThan(0);
    const withFiles = [];
    for (const s of samples) {
      const detail = await client.getSample(s.id);
      expect(detail.id).toBe(s.id);
      if (detail.files.length) withFiles.push(detail);
    }
    const sample = withFiles[0]!;
    const qc = await client.getSampleQc(sample.id);
    expect(qc[0]?.quality_control_type.key).toBeTruthy();
    await client.setSampleMetadata(sample.id, { batch: '2026-01', n: [1, 2] });
    expect(await client.getSampleMetadata(sample.id)).toEqual({ batch: '2026-01', n: [1, 2] });
    const types = await client.listFileTypes({ projectId: sb.projects.default });
    expect(types.map((t) => t.key)).toContain('qc');
    const file = sample.files.find((f) => f.checksum_sha256)!;
    const line = await client.getFileChecksum(file.id, 'local.vcf.gz');
    expect(line).toBe(`${file.checksum_sha256} *local.vcf.gz\n`);
  });

  it('pagination over > 200 items with the page-level iterator', async () => {
    const { client } = make();
    const large = sb.projects.large!;
    const listing = client.listProjectSamples(large, { hiddenStatus: 'all' });
    const pages = [];
    for await (const page of listing.pages()) pages.push(page);
    const total = pages.reduce((n, p) => n + p.items.length, 0);
    expect(total).toBe(pages[0]?.count);
    expect(total).toBeGreaterThan(400);
    expect(pages.map((p) => p.offset)).toEqual([0, 200, 400]);
    expect(new Set(pages.flatMap((p) => p.items.map((s) => s.id))).size).toBe(total);
    expect(await client.countProjectSamples(large, { hiddenStatus: 'all' })).toBe(total);
    const log = apiCalls(`/api/v2/project-samples/${large}`);
    expect(log[1]?.query).toMatchObject({ offset: '200', limit: '200', hidden_status: 'all' });
  });

  it('uploads: credentials, reserve, URL import, sheet, assignment', async () => {
    const { client } = make();
    const creds = await client.getUploadCredentials();
    expect(creds.access_key).toBeTruthy();
    const dest = `gncv://core-test-${Date.now()}/`;
    const up = await client.createUpload(`${dest}A1_R1.fastq.gz`);
    expect(up.last_status?.status).toBe('started');
    expect((await client.createUpload(`${dest}A1_R1.fastq.gz`)).id).toBe(up.id);
    await client.createUrlUpload(`${dest}B2_R1.fastq.gz`, 'https://example.org/B2_R1.fastq.gz');
    await client.createUrlUpload(`${dest}B2_R2.fastq.gz`, 'https://example.org/B2_R2.fastq.gz');
    const sheet = await client.listSampleSheet({ search: dest, status: 'unassigned' }).toArray();
    const b2 = sheet.find((e) => e.client_id === 'B2')!;
    expect(b2.fastq.r2?.upload).toBeTruthy();
    const res = await client.assignUploads(sb.projects.default, [b2], { lab: 'north' });
    expect(res.uploads[0]?.sample).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.metadata).toEqual({ lab: 'north' });
  });
});

describe('errors and retries', () => {
  it('404 detail for an inaccessible project', async () => {
    const { client } = make();
    const err = await client.getSample(sb.projects.other).catch((e) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.message).toBe(
      `Not found (404) on GET /api/v2/samples/${sb.projects.other}: Not found.`,
    );
  });

  it('field map 400 (deleted destination) is fatal at once', async () => {
    const { client, delays } = make();
    const dest = `gncv://core-deleted-${Date.now()}/X_R1.fastq.gz`;
    const up = await client.createUpload(dest);
    sb.control.deleteUpload(up.id);
    sb.control.clearRequests();
    const err = await client.createUpload(dest).catch((e) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(Object.keys(err.fieldErrors)).toEqual(['destination_path']);
    expect(err.message).toMatch(
      /^Bad request \(400\) on POST \/api\/v2\/uploads-post-data\/:\n {2}destination_path: /,
    );
    expect(delays).toEqual([]);
    expect(apiCalls('/api/v2/uploads-post-data/')).toHaveLength(1);
  });

  it('bare list body', async () => {
    const { client } = make();
    sb.control.addFault({
      match: { path: '/api/v2/user/' },
      fault: { type: 'status', status: 400, body: ['Project is missing or not accessible.'] },
    });
    const err = await client.getUser().catch((e) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.messages).toEqual(['Project is missing or not accessible.']);
  });

  it('429 honours Retry-After (recorded sleep ≥ header)', async () => {
    const { client, delays, events } = make();
    sb.control.addFault({
      match: { path: '/api/v2/user/' },
      times: 2,
      fault: { type: 'status', status: 429, retryAfter: 3 },
    });
    await expect(client.getUser()).resolves.toBeTruthy();
    expect(delays).toHaveLength(2);
    for (const d of delays) expect(d).toBeGreaterThanOrEqual(3000);
    expect(
      events.filter((e) => e.type === 'retry').map((e) => (e as { reason: string }).reason),
    ).toEqual(['rate-limited', 'rate-limited']);
  });

  it('503 with Retry-After waits as asked; the error keeps it when it persists', async () => {
    const { client, delays } = make();
    sb.control.addFault({
      match: { path: '/api/v2/user/' },
      fault: { type: 'status', status: 503, retryAfter: 2 },
    });
    await expect(client.getUser()).resolves.toBeTruthy();
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThanOrEqual(2000);

    sb.control.addFault({
      match: { path: '/api/v2/user/' },
      times: Number.POSITIVE_INFINITY,
      fault: { type: 'status', status: 503, retryAfter: 1 },
    });
    const err = await client.getUser().catch((e) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect(err.retryAfterMs).toBe(1000);
  });

  it('429 persisting → RateLimitError with retryAfterMs', async () => {
    const { client } = make();
    sb.control.addFault({
      match: { path: '/api/v2/user/' },
      times: Number.POSITIVE_INFINITY,
      fault: { type: 'status', status: 429, retryAfter: 1 },
    });
    const err = await client.getUser().catch((e) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err.retryAfterMs).toBe(1000);
    expect(apiCalls('/api/v2/user/')).toHaveLength(4);
  });

  it('503 maintenance → MaintenanceError with ETA, not retried', async () => {
    const { client, delays } = make();
    sb.control.addFault({
      match: { path: '/api/v2/user/' },
      fault: {
        type: 'maintenance',
        eta: '2026-02-01 18:00:00',
        message: 'Planned maintenance in progress.',
      },
    });
    const err = await client.getUser().catch((e) => e);
    expect(err).toBeInstanceOf(MaintenanceError);
    expect(err.code).toBe('ERR_GENCOVE_MAINTENANCE');
    expect(err.eta).toBe('2026-02-01 18:00:00');
    expect(err.maintenanceMessage).toBe('Planned maintenance in progress.');
    expect(delays).toEqual([]);
  });

  it('500 retried then success; persisting 500 → ServerError', async () => {
    const { client, delays } = make();
    sb.control.addFault({
      match: { path: '/api/v2/organization/' },
      times: 2,
      fault: { type: 'status', status: 500 },
    });
    await expect(client.getOrganization()).resolves.toBeTruthy();
    expect(delays).toHaveLength(2);
    sb.control.addFault({
      match: { path: '/api/v2/organization/' },
      times: Number.POSITIVE_INFINITY,
      fault: { type: 'status', status: 502 },
    });
    const err = await client.getOrganization().catch((e) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect(err.status).toBe(502);
  });

  it('a non-idempotent POST is not retried on 500', async () => {
    const { client } = make();
    sb.control.addFault({
      match: { method: 'POST', path: `/api/v2/project-samples/${sb.projects.default}` },
      fault: { type: 'status', status: 500 },
    });
    const err = await client.assignUploads(sb.projects.default, []).catch((e) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect(apiCalls(`/api/v2/project-samples/${sb.projects.default}`)).toHaveLength(1);
  });

  it('dropped connection retried; exhausted → NetworkError', async () => {
    const { client } = make();
    sb.control.addFault({ match: { path: '/api/v2/user/' }, times: 1, fault: { type: 'reset' } });
    await expect(client.getUser()).resolves.toBeTruthy();
    sb.control.addFault({
      match: { path: '/api/v2/user/' },
      times: Number.POSITIVE_INFINITY,
      fault: { type: 'reset' },
    });
    const err = await client.getUser().catch((e) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect(err.code).toBe('ERR_GENCOVE_NETWORK');
  });

  it('truncated body is retried', async () => {
    const { client, events } = make();
    sb.control.addFault({
      match: { path: '/api/v2/user/' },
      times: 1,
      fault: { type: 'truncate' },
    });
    await expect(client.getUser()).resolves.toBeTruthy();
    expect(events.some((e) => e.type === 'retry')).toBe(true);
  });

  it('slow response beyond timeoutMs → TimeoutError', async () => {
    const { client } = make({ timeoutMs: 250, retry: { maxAttempts: 1 } });
    sb.control.addFault({ match: { path: '/api/v2/user/' }, fault: { type: 'delay', ms: 2500 } });
    const err = await client.getUser().catch((e) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.code).toBe('ERR_GENCOVE_TIMEOUT');
  });

  it('AbortSignal', async () => {
    const { client } = make();
    sb.control.addFault({ match: { path: '/api/v2/user/' }, fault: { type: 'delay', ms: 2000 } });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const err = await client.getUser({ signal: ac.signal }).catch((e) => e);
    expect(err).toBeInstanceOf(AbortError);
  });
});
