import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { type Sandbox, startSandbox } from '@gencove/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DoctorCheck,
  type DoctorOptions,
  type DoctorReport,
  GencoveClient,
  runDoctor,
} from '../src/index.js';
import { clockCheck, tlsCheck } from '../src/jobs/doctor/host-check.js';
import { json, startLocalServer } from './helpers/local-server.js';

let sb: Sandbox;
let client: GencoveClient;
let root: string;

beforeAll(async () => {
  sb = await startSandbox({ pipeline: 'manual' });
  client = new GencoveClient({ host: sb.url, apiKey: sb.apiKey, retry: { maxAttempts: 1 } });
  root = await mkdtemp(join(tmpdir(), 'gencove-doctor-'));
});
afterAll(async () => {
  await client?.close();
  await sb?.close();
  await rm(root, { recursive: true, force: true });
});

const check = (report: DoctorReport, id: DoctorCheck['id']) =>
  report.checks.find((c) => c.id === id)!;
const doctor = (extra: Partial<DoctorOptions> = {}) =>
  runDoctor({ host: sb.url, hostSource: 'GENCOVE_HOST', client, timeoutMs: 5000, ...extra });
const adminS3 = () =>
  new S3Client({
    endpoint: sb.s3Url,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });

describe('runDoctor against the sandbox', () => {
  it('passes everything with good settings, in a fixed order, and leaves nothing behind', async () => {
    const dest = join(root, 'good');
    await mkdir(dest);
    const events: string[] = [];
    const report = await doctor({
      destination: dest,
      uploadEndpoint: sb.s3Url,
      credentialSource: 'API key from GENCOVE_API_KEY',
      onEvent: (e) => events.push(e.check.id),
    });
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([
      ['host', 'pass'],
      ['tls', 'skip'],
      ['credentials', 'pass'],
      ['clock', 'pass'],
      ['destination', 'pass'],
      ['s3-endpoint', 'pass'],
    ]);
    expect(events).toEqual(report.checks.map((c) => c.id));
    expect(check(report, 'credentials').summary).toBe(
      `authenticated as ${sb.email} (API key from GENCOVE_API_KEY)`,
    );
    expect(check(report, 'host').summary).toMatch(/\(from GENCOVE_HOST\) is reachable \(HTTP 401/);
    expect(check(report, 'destination').details).toMatchObject({ path: dest, exists: true });
    expect(Number(check(report, 'destination').details!.freeBytes)).toBeGreaterThan(0);
    expect(await readdir(dest)).toEqual([]);
    // nothing that changes state was sent: one unauthenticated probe, one GET /user/, one S3 probe
    const api = sb.control.requests.filter((r) => r.target === 'api');
    expect(api.every((r) => r.method === 'GET' && r.path === '/api/v2/user/')).toBe(true);
    expect(JSON.stringify(report)).not.toContain(sb.apiKey);
  });

  it('a bad API key fails the credential check with a fix', async () => {
    const bad = new GencoveClient({ host: sb.url, apiKey: 'not-a-real-key-0000' });
    try {
      const report = await doctor({ client: bad });
      expect(report.ok).toBe(false);
      const c = check(report, 'credentials');
      expect(c.status).toBe('fail');
      expect(c.summary).toContain('Invalid API key');
      expect(c.fix).toMatch(/GENCOVE_API_KEY/);
      expect(JSON.stringify(report)).not.toContain('not-a-real-key-0000');
    } finally {
      await bad.close();
    }
  });

  it('missing credentials are reported, not thrown', async () => {
    const report = await doctor({ client: undefined, credentialsProblem: 'no credentials given' });
    expect(check(report, 'credentials')).toMatchObject({
      status: 'fail',
      summary: 'no credentials given',
    });
    expect(check(report, 'credentials').fix).toMatch(/GENCOVE_API_KEY/);
  });

  it('maintenance: the host warns, the credentials fail with the reason', async () => {
    sb.control.addFault({
      match: { path: '/api/v2/user' },
      times: 2,
      fault: { type: 'maintenance', message: 'Upgrading.' },
    });
    const report = await doctor();
    expect(check(report, 'host').status).toBe('warn');
    expect(check(report, 'credentials')).toMatchObject({ status: 'fail' });
    expect(check(report, 'credentials').fix).toMatch(/maintenance/);
    sb.control.clearFaults();
  });

  it('clock skew: warns beyond 30 s, fails beyond 5 min', async () => {
    const ahead = await doctor({ now: () => Date.now() + 90_000 });
    expect(check(ahead, 'clock').status).toBe('warn');
    expect(check(ahead, 'clock').summary).toMatch(/local clock (89|9\d)\.\d s ahead of the server/);
    const behind = await doctor({ now: () => Date.now() - 10 * 60_000 });
    expect(check(behind, 'clock').status).toBe('fail');
    expect(check(behind, 'clock').summary).toMatch(/behind the server/);
    expect(check(behind, 'clock').fix).toMatch(/NTP/);
    expect(behind.ok).toBe(false);
  });

  it('an override S3 endpoint is contacted; AWS S3 only with checkS3', async () => {
    const named = await doctor();
    expect(check(named, 's3-endpoint')).toMatchObject({ status: 'skip' });
    expect(check(named, 's3-endpoint').summary).toBe(
      'uploads go to https://s3.amazonaws.com (AWS S3); not contacted (pass --check-s3 to test it)',
    );
    const dead = await doctor({ uploadEndpoint: 'http://127.0.0.1:1' });
    expect(check(dead, 's3-endpoint')).toMatchObject({ status: 'fail' });
    expect(check(dead, 's3-endpoint').fix).toMatch(/GENCOVE_LOCALSTACK_S3_ENDPOINT/);
  });
});

describe('destinations', () => {
  it('a folder that does not exist yet is checked at its nearest existing parent', async () => {
    const report = await doctor({ destination: join(root, 'new', 'deeper') });
    const c = check(report, 'destination');
    expect(c.status).toBe('pass');
    expect(c.summary).toContain('does not exist yet');
    expect(await readdir(root)).not.toContain('new');
  });

  it('a file, too little space and an unwritable folder fail', async () => {
    const file = join(root, 'a-file');
    await writeFile(file, 'x');
    expect(check(await doctor({ destination: file }), 'destination')).toMatchObject({
      status: 'fail',
      summary: `cannot use ${file}: ${file} is a file, not a folder`,
    });
    const full = check(await doctor({ destination: root, minFreeBytes: 2 ** 60 }), 'destination');
    expect(full.status).toBe('fail');
    expect(full.summary).toMatch(/only .* GiB free/);
  });

  it.skipIf(process.getuid?.() === 0)('an unwritable folder fails with a fix', async () => {
    const locked = join(root, 'locked');
    await mkdir(locked);
    await chmod(locked, 0o500);
    try {
      const c = check(await doctor({ destination: locked }), 'destination');
      expect(c.status).toBe('fail');
      expect(c.summary).toMatch(/cannot write to .*locked \(EACCES\)/);
      expect(c.fix).toMatch(/write permission/);
    } finally {
      await chmod(locked, 0o700);
    }
  });

  // runs as root too (where the chmod case above is skipped): sysfs refuses new files to anyone
  it.skipIf(process.platform !== 'linux')(
    'a folder where no file can be created fails, naming it and the error',
    async () => {
      const c = check(await doctor({ destination: '/sys/gencove-deliveries' }), 'destination');
      expect(c.status).toBe('fail');
      expect(c.summary).toMatch(/^cannot write to \/sys \((EACCES|EROFS|EPERM)\)$/);
      expect(c.fix).toMatch(/write permission on \/sys|read-only/);
    },
  );

  it('s3:// runs HeadBucket: an existing bucket passes, a missing one fails', async () => {
    const s3 = adminS3();
    try {
      const ok = await doctor({
        destination: 's3://lab-external-data/deliveries',
        s3Destination: { client: s3 },
      });
      expect(check(ok, 'destination').status).toBe('pass');
      const missing = await doctor({
        destination: 's3://no-such-bucket/x',
        s3Destination: { client: s3 },
      });
      expect(check(missing, 'destination')).toMatchObject({
        status: 'fail',
        summary: 'S3 bucket no-such-bucket does not exist',
      });
      // a key the S3 endpoint does not know: 403, with a fix about the AWS identity
      const stranger = new S3Client({
        endpoint: sb.s3Url,
        forcePathStyle: true,
        region: 'us-east-1',
        maxAttempts: 1,
        credentials: { accessKeyId: 'AKIADOCTORSTRANGER', secretAccessKey: 'doctor-s3-secret-9f2' },
      });
      try {
        const denied = check(
          await doctor({
            destination: 's3://lab-external-data/deliveries',
            s3Destination: { client: stranger },
          }),
          'destination',
        );
        expect(denied).toMatchObject({
          status: 'fail',
          summary: 'S3 bucket lab-external-data is not accessible with these AWS credentials (403)',
        });
        expect(denied.fix).toMatch(/AWS_PROFILE/);
        expect(JSON.stringify(denied)).not.toContain('doctor-s3-secret-9f2');
      } finally {
        stranger.destroy();
      }
      const invalid = await doctor({ destination: 's3://Bad_Bucket/x' });
      expect(check(invalid, 'destination').status).toBe('fail');
      expect(check(invalid, 'destination').summary).toContain('Invalid S3 bucket name');
    } finally {
      s3.destroy();
    }
  });
});

describe('hosts that are not right', () => {
  it('unreachable: the host fails with a fix; credentials and clock are skipped', async () => {
    const report = await runDoctor({ host: 'http://127.0.0.1:1', client, timeoutMs: 2000 });
    expect(check(report, 'host').status).toBe('fail');
    expect(check(report, 'host').summary).toContain('ECONNREFUSED');
    expect(check(report, 'host').fix).toMatch(/Nothing listens there/);
    expect(check(report, 'credentials').status).toBe('skip');
    expect(check(report, 'clock').status).toBe('skip');
  });

  it('something that is not the Gencove API', async () => {
    const web = await startLocalServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>Welcome</html>');
    });
    try {
      const report = await runDoctor({ host: web.url, client, timeoutMs: 2000 });
      expect(check(report, 'host')).toMatchObject({ status: 'fail' });
      expect(check(report, 'host').summary).toMatch(/HTTP 200 \(text\/html\), which does not look/);
      expect(check(report, 'host').fix).toMatch(/api\.gencove\.com/);
    } finally {
      await web.close();
    }
  });

  it('a self-signed certificate: host and tls fail, the fix names NODE_EXTRA_CA_CERTS', async () => {
    const fixtures = new URL('./fixtures/', import.meta.url);
    const server = createServer(
      {
        cert: await readFile(new URL('doctor-tls.crt', fixtures)),
        key: await readFile(new URL('doctor-tls.key', fixtures)),
      },
      (_req, res) => json(res, 401, { detail: 'Authentication credentials were not provided.' }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const host = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const report = await runDoctor({ host, timeoutMs: 2000 });
      expect(check(report, 'host').status).toBe('fail');
      expect(check(report, 'host').fix).toMatch(/see the tls check/);
      const tls = check(report, 'tls');
      expect(tls.status).toBe('fail');
      expect(tls.summary).toMatch(/is not trusted: .*SELF_SIGNED/);
      expect(tls.fix).toMatch(/NODE_EXTRA_CA_CERTS/);
      expect(tls.details).toMatchObject({ subject: 'gencove-doctor-test' });
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('verdicts on probe results', () => {
  const now = Date.parse('2026-11-24T12:00:00Z');
  const trusted = {
    authorized: true,
    protocol: 'TLSv1.3',
    subject: 'api.gencove.com',
    issuer: 'Amazon RSA 2048 M02',
  };

  it('tls: trusted passes; a certificate expiring within 14 days warns with a fix', () => {
    const url = new URL('https://api.gencove.com');
    const ok = tlsCheck(url, { ...trusted, validTo: 'Dec 31 23:59:59 2027 GMT' }, now);
    expect(ok).toMatchObject({ id: 'tls', status: 'pass' });
    expect(ok.summary).toBe(
      'TLSv1.3, certificate of api.gencove.com trusted (issued by Amazon RSA 2048 M02)',
    );
    const soon = tlsCheck(url, { ...trusted, validTo: 'Nov 30 12:00:00 2026 GMT' }, now);
    expect(soon).toMatchObject({ status: 'warn' });
    expect(soon.summary).toMatch(/expires in 6 days/);
    expect(soon.fix).toMatch(/about to expire/);
  });

  it('tls: plain http is skipped on loopback and warned about elsewhere', () => {
    expect(tlsCheck(new URL('http://127.0.0.1:8000'), undefined, now).status).toBe('skip');
    const plain = tlsCheck(new URL('http://gencove.lab.example.org'), undefined, now);
    expect(plain).toMatchObject({ status: 'warn', fix: 'Use an https:// host.' });
    expect(plain.summary).toMatch(/unencrypted/);
  });

  it('tls: a failed handshake fails with what to check', () => {
    const failed = tlsCheck(
      new URL('https://api.gencove.com'),
      { authorized: false, error: { code: 'ECONNRESET', message: 'socket hang up' } },
      now,
    );
    expect(failed).toMatchObject({ status: 'fail', details: { error: 'ECONNRESET' } });
    expect(failed.summary).toBe('TLS handshake with api.gencove.com failed: socket hang up');
    expect(failed.fix).toMatch(/speaks https/);
  });

  it('clock: without a Date header the check is skipped, never passed', () => {
    const c = clockCheck({ status: 401, sentAt: now, receivedAt: now + 20 });
    expect(c).toMatchObject({
      status: 'skip',
      summary: 'the server sent no Date header to compare with',
    });
    // the header's one-second resolution is not mistaken for skew
    const synced = clockCheck({
      status: 401,
      date: new Date(now).toUTCString(),
      sentAt: now + 300,
      receivedAt: now + 340,
    });
    expect(synced).toMatchObject({ status: 'pass', summary: 'in sync with the server' });
  });
});
