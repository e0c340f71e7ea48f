/**
 * `gencove doctor`: the built bin against the sandbox, as a user runs it before a first upload.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Sandbox, startSandbox } from '@gencove/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, sandboxEnv } from './helpers/run-cli.js';

let sb: Sandbox;
let root: string;

beforeAll(async () => {
  sb = await startSandbox({ pipeline: 'manual' });
  root = await mkdtemp(join(tmpdir(), 'gencove-cli-doctor-'));
});
afterAll(async () => {
  await sb?.close();
  await rm(root, { recursive: true, force: true });
});

const cli = (args: string[], env: NodeJS.ProcessEnv = sandboxEnv(sb)) =>
  runCli(['doctor', ...args], { env });

describe('gencove doctor', () => {
  it('all good: one line per check on stdout, exit 0', async () => {
    const r = await cli(['--destination', join(root, 'deliveries')]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe(`gencove doctor: ${sb.url}`);
    expect(lines.slice(1, 7).map((l) => l.trim().split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'PASS host',
      'SKIP tls',
      'PASS credentials',
      'PASS clock',
      'PASS destination',
      'PASS s3-endpoint',
    ]);
    expect(r.stdout).toContain(`authenticated as ${sb.email} (API key from GENCOVE_API_KEY)`);
    expect(r.stdout).toContain(`uploads go to ${sb.s3Url} (GENCOVE_LOCALSTACK_S3_ENDPOINT)`);
    expect(lines.at(-1)).toBe('No check failed.');
    expect(r.stdout + r.stderr).not.toContain(sb.apiKey);
    expect(await readdir(root)).toEqual([]);
  });

  it('a wrong key: FAIL with a fix line, exit 1, the key never printed', async () => {
    const key = 'doctor-wrong-key-51f0c9';
    const r = await cli([], sandboxEnv(sb, { GENCOVE_API_KEY: key }));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL {2}credentials .*Invalid API key/);
    expect(r.stdout).toMatch(/fix: Check the API key/);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('1 check failed.');
    expect(r.stdout + r.stderr).not.toContain(key);
  });

  it('no credentials and no terminal: reported as a failed check, not a prompt', async () => {
    const env = sandboxEnv(sb);
    delete env.GENCOVE_API_KEY;
    const r = await cli(['--json'], env);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.ok).toBe(false);
    const creds = report.checks.find((c: { id: string }) => c.id === 'credentials');
    expect(creds.status).toBe('fail');
    expect(creds.summary).toMatch(/no credentials/);
  });

  it('--json: the report on stdout, nothing else', async () => {
    const r = await cli(['--json', '--destination', root]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain(sb.apiKey);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ ok: true, host: sb.url });
    expect(report.checks.map((c: { id: string }) => c.id)).toEqual([
      'host',
      'tls',
      'credentials',
      'clock',
      'destination',
      's3-endpoint',
    ]);
    expect(r.stderr).toBe('');
  });

  it('an unreachable host: exit 1, the fix says what to check', async () => {
    const r = await cli(
      ['--timeout', '2s'],
      sandboxEnv(sb, { GENCOVE_HOST: 'http://127.0.0.1:1' }),
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL {2}host .*ECONNREFUSED/);
    expect(r.stdout).toMatch(/SKIP {2}credentials {2}skipped: the host is not reachable/);
  });

  it('s3:// destinations use the AWS chain (HeadBucket)', async () => {
    // the sandbox's S3 checks the access key only: a distinctive secret shows it is never printed
    const secret = 'doctor-aws-secret-8d1e5b';
    const aws = {
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: secret,
      AWS_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    const ok = await cli(
      ['--destination', 's3://lab-external-data/out', '--endpoint-url', sb.s3Url],
      sandboxEnv(sb, aws),
    );
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/PASS {2}destination {2}S3 bucket lab-external-data is accessible/);
    const missing = await cli(
      ['--destination', 's3://not-there/out', '--endpoint-url', sb.s3Url],
      sandboxEnv(sb, aws),
    );
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/FAIL {2}destination {2}S3 bucket not-there does not exist/);
    for (const r of [ok, missing]) expect(r.stdout + r.stderr).not.toContain(secret);
    const noCreds = await cli(
      ['--destination', 's3://lab-external-data/out', '--endpoint-url', sb.s3Url],
      sandboxEnv(sb, { AWS_EC2_METADATA_DISABLED: 'true', AWS_REGION: 'us-east-1' }),
    );
    expect(noCreds.code).toBe(1);
    expect(noCreds.stdout).toMatch(/no AWS credentials found/);
    expect(noCreds.stdout).toMatch(/fix: Configure the AWS SDK chain/);
  });

  it.each([
    [['--min-free', 'lots'], /--min-free must be a size/],
    [['--endpoint-url', 'http://127.0.0.1:9'], /apply to an s3:\/\/bucket\/prefix --destination/],
    [['--timeout', 'soon'], /--timeout must be a duration/],
    [['--destination', ''], /--destination is empty/],
  ])('bad flags %j → exit 2 before any request', async (args, message) => {
    sb.control.clearRequests();
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(sb.control.requests).toEqual([]);
  });

  describe('TLS', () => {
    let server: Server;
    let host: string;
    const fixtures = fileURLToPath(new URL('../../core/test/fixtures/', import.meta.url));
    beforeAll(async () => {
      const { readFile } = await import('node:fs/promises');
      server = createServer(
        {
          cert: await readFile(join(fixtures, 'doctor-tls.crt')),
          key: await readFile(join(fixtures, 'doctor-tls.key')),
        },
        (_req, res) => {
          res.writeHead(401, {
            'content-type': 'application/json',
            date: new Date().toUTCString(),
          });
          res.end('{"detail":"Authentication credentials were not provided."}');
        },
      );
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      host = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });

    it('an untrusted certificate fails; trusting its CA with NODE_EXTRA_CA_CERTS fixes it', async () => {
      const env = { PATH: process.env.PATH, GENCOVE_HOST: host, GENCOVE_API_KEY: 'k-123456789' };
      const before = await cli(['--json', '--timeout', '3s'], env);
      const tls = JSON.parse(before.stdout).checks.find((c: { id: string }) => c.id === 'tls');
      expect(tls.status).toBe('fail');
      expect(tls.fix).toMatch(/NODE_EXTRA_CA_CERTS/);
      const after = await cli(['--json', '--timeout', '3s'], {
        ...env,
        NODE_EXTRA_CA_CERTS: join(fixtures, 'doctor-tls.crt'),
      });
      const checks = JSON.parse(after.stdout).checks;
      expect(checks.find((c: { id: string }) => c.id === 'tls').status).toBe('pass');
      expect(checks.find((c: { id: string }) => c.id === 'host').status).toBe('pass');
    });
  });
});
