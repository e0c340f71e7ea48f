/**
 * The bad-input corpus, server part: hostile or broken answers (a file name with ../, bodies
 * that are not JSON, JSON of the wrong shape, a status value nobody documented, corrupted
 * downloads). Each ends with a documented exit code and one clear ERROR (or WARNING) naming the
 * problem, writes nothing outside its destination and leaves no partial file.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Sandbox, startSandbox } from '@gencove/sandbox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AWS_TEST_SECRET, type CliRun, gencove, sandboxEnv, transcript } from '../helpers/cli.js';
import { fastq, listFiles, TEMPORARY_FILE } from '../helpers/files.js';
import { type HostileProxy, startHostileProxy } from '../helpers/hostile-proxy.js';
import { findLeaks } from '../helpers/secrets.js';

let sb: Sandbox;
let proxy: HostileProxy;
let root: string;
let sampleId: string;
let projectId: string;
let n = 0;

const errorLines = (run: CliRun) => run.stderr.split('\n').filter((l) => l.startsWith('ERROR: '));
const WRITES = /^(POST|PUT|DELETE|PATCH)$/;

beforeAll(async () => {
  sb = await startSandbox({ pipeline: 'instant' });
  proxy = await startHostileProxy(sb.url);
  root = await mkdtemp(join(tmpdir(), 'gencove-hostile-'));
  const res = await fetch(`${sb.url}/api/v2/projects/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Api-Key ${sb.apiKey}` },
    body: JSON.stringify({ name: 'hostile' }),
  });
  projectId = ((await res.json()) as { id: string }).id;
  const { mkdir, writeFile } = await import('node:fs/promises');
  await mkdir(join(root, 'reads'));
  await writeFile(join(root, 'reads', 'H1_R1.fastq.gz'), fastq('H1_R1'));
  const up = await gencove(
    [
      'upload',
      join(root, 'reads'),
      'gncv://hostile/',
      '--run-project-id',
      projectId,
      '--output',
      '-',
    ],
    { env: sandboxEnv(sb, { XDG_CACHE_HOME: join(root, 'cache') }) },
  );
  if (up.code !== 0) throw new Error(up.stderr);
  sampleId = (JSON.parse(up.stdout) as Array<{ sample: string }>)[0]!.sample;
}, 120_000);

afterEach(() => {
  proxy.answers = [];
  proxy.hits = [];
  sb.control.setHostileFilenames(false);
  sb.control.corruptDownloads(false);
});

afterAll(async () => {
  await proxy?.close();
  await sb?.close();
  await rm(root, { recursive: true, force: true });
});

/** Runs the CLI against the hostile proxy (API) and the sandbox's S3. */
async function run(args: string[]) {
  const cwd = join(root, `case-${++n}`);
  const { mkdir } = await import('node:fs/promises');
  await mkdir(cwd);
  sb.control.clearRequests();
  const result = await gencove(args, {
    env: sandboxEnv(sb, { GENCOVE_HOST: proxy.url, XDG_CACHE_HOME: join(cwd, '.cache') }),
    cwd,
  });
  const writes = sb.control.requests.filter((r) => WRITES.test(r.method));
  return { result, cwd, writes };
}

describe('hostile and broken server answers', () => {
  it('a download file name with ../: refused by name, nothing written outside DESTINATION', async () => {
    sb.control.setHostileFilenames(true);
    const { result, cwd } = await run([
      'download',
      'out',
      '--sample-ids',
      sampleId,
      '--no-progress',
    ]);
    expect(result.code).toBe(1);
    expect(errorLines(result)).toEqual([expect.stringMatching(/files? could not be delivered/)]);
    expect(result.stderr).toMatch(
      /default_filename "\.\.\/\.\.\/[^"]+" of .* contains a path separator; refusing to write it/,
    );
    const files = await listFiles(cwd);
    expect(files.every((f) => f.startsWith('out/') || f.startsWith('.cache/'))).toBe(true);
    expect(files.filter((f) => TEMPORARY_FILE.test(f) || f.includes('..'))).toEqual([]);
    expect(await listFiles(root).then((all) => all.filter((f) => f.endsWith('.vcf.gz')))).toEqual(
      [],
    );
  });

  it('an HTML 502 page: retried, then exit 1 (a server error) with the status, not the HTML', async () => {
    proxy.answers.push({
      path: /^\/api\/v2\/projects\/?$/,
      status: 502,
      body: '<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>',
    });
    const { result, writes } = await run(['projects', 'list']);
    expect(result.code).toBe(1);
    expect(errorLines(result)).toEqual([expect.stringMatching(/502 Bad Gateway/)]);
    expect(result.stderr).not.toContain('<html>');
    expect(proxy.hits.length).toBeGreaterThan(1);
    expect(writes).toEqual([]);
  });

  it('an HTML 400 page: exit 1 naming the status and the endpoint', async () => {
    proxy.answers.push({
      path: /^\/api\/v2\/samples\//,
      status: 400,
      body: '<html><h1>Bad Request</h1></html>',
    });
    const { result } = await run(['samples', 'get', sampleId]);
    expect(result.code).toBe(1);
    expect(errorLines(result)).toEqual([
      expect.stringMatching(/400.*GET \/api\/v2\/samples\/[0-9a-f-]+/),
    ]);
  });

  it('a 200 that is not JSON: exit 1, "not JSON"', async () => {
    proxy.answers.push({
      path: /^\/api\/v2\/projects\/?$/,
      status: 200,
      body: '<html>Welcome to the captive portal</html>',
    });
    const { result } = await run(['projects', 'list']);
    expect(result.code).toBe(1);
    expect(errorLines(result)).toEqual([
      expect.stringMatching(
        /GET \/api\/v2\/projects\/: body is not JSON \(status 200, content-type text\/html\)/,
      ),
    ]);
  });

  it('JSON of the wrong shape: exit 1 naming the field', async () => {
    proxy.answers.push({
      path: /^\/api\/v2\/projects\/?$/,
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ meta: { count: 1, next: null }, results: [{ name: 'no id' }] }),
    });
    const { result } = await run(['projects', 'list']);
    expect(result.code).toBe(1);
    expect(errorLines(result)).toEqual([expect.stringMatching(/results\[0\]\.id/)]);
  });

  it('a 404 with a plain-text body: exit 4', async () => {
    proxy.answers.push({
      path: /^\/api\/v2\/samples\//,
      status: 404,
      headers: { 'content-type': 'text/plain' },
      body: 'Not Found',
    });
    const { result } = await run(['samples', 'get', sampleId]);
    expect(result.code).toBe(4);
    expect(errorLines(result)).toEqual([
      expect.stringMatching(
        /Not found \(404\) on GET \/api\/v2\/samples\/[0-9a-f-]+: \(response body is not JSON, content-type text\/plain\)/,
      ),
    ]);
  });

  it('a 429 asking to come back in an hour: exit 5 at once, saying so', async () => {
    proxy.answers.push({
      path: /^\/api\/v2\/projects\/?$/,
      status: 429,
      headers: { 'content-type': 'application/json', 'retry-after': '3600' },
      body: '{"detail": "Request was throttled. Expected available in 3600 seconds."}',
    });
    const { result } = await run(['projects', 'list']);
    expect(result.code).toBe(5);
    expect(errorLines(result)).toEqual([expect.stringMatching(/throttled|rate limit/i)]);
    expect(proxy.hits).toHaveLength(1);
  });

  it('maintenance: exit 5 with the message and ETA', async () => {
    proxy.answers.push({
      path: /^\/api\/v2\//,
      status: 503,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        maintenance: true,
        maintenance_eta: '2030-01-01 06:00:00',
        maintenance_message: 'Database upgrade.',
      }),
    });
    const { result, writes } = await run(['projects', 'list']);
    expect(result.code).toBe(5);
    expect(errorLines(result)).toEqual([expect.stringMatching(/Database upgrade/)]);
    expect(result.stderr).toContain('2030-01-01 06:00:00');
    expect(writes).toEqual([]);
  });

  it('an analysis status nobody documented: wait says so, exits 12 at its timeout', async () => {
    await sb.control.setSampleStatus(sampleId, 'quantum superposition');
    const { result } = await run([
      'wait',
      '--project-id',
      projectId,
      '--sample-ids',
      sampleId,
      '--timeout',
      '0',
      '--no-progress',
    ]);
    expect(result.code).toBe(12);
    expect(result.stderr).toMatch(
      /WARNING: sample .* \(H1\) has the status "quantum superposition", which this version of gencove does not know/,
    );
    expect(result.stdout).toContain('quantum superposition');
    await sb.control.setSampleStatus(sampleId, 'succeeded');
  });

  it('downloads that arrive corrupted every time: exit 6, the file removed, no .part left', async () => {
    sb.control.corruptDownloads(true);
    const { result, cwd } = await run([
      'download',
      'out',
      '--sample-ids',
      sampleId,
      '--file-types',
      'impute-vcf',
      '--no-progress',
    ]);
    expect(result.code).toBe(6);
    expect(errorLines(result)).toHaveLength(1);
    expect(result.stderr).toMatch(
      /Checksum mismatch .*expected sha256 [0-9a-f]{64}, got [0-9a-f]{64}/,
    );
    const files = (await listFiles(cwd)).filter((f) => !f.startsWith('.cache/'));
    expect(files).toEqual([]);
  });

  it('no secret in any output of this file', () => {
    const sources = transcript.flatMap((r, i) => [
      { where: `run ${i} stdout`, text: r.stdout },
      { where: `run ${i} stderr`, text: r.stderr },
    ]);
    expect(findLeaks(sources, [...sb.control.issuedSecrets(), AWS_TEST_SECRET])).toEqual([]);
  });
});
