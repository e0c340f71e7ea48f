/**
 * The bad-input corpus, CLI part: every case through the built bin against a sandbox. Each must
 * give its documented exit code and one ERROR line naming the input and the problem, and leave
 * nothing behind: no request that changes server state (no request at all for exit 2 unless the
 * case says so), no file in its working directory.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type Sandbox, startSandbox } from '@gencove/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AWS_TEST_SECRET,
  documentedExitCodes,
  gencove,
  sandboxEnv,
  transcript,
} from '../helpers/cli.js';
import { fastq, listFiles } from '../helpers/files.js';
import { findLeaks } from '../helpers/secrets.js';
import { type CaseContext, CLI_CASES, type CliCase } from './cli-cases.js';

/** Distinctive secrets handed to the CLI by some cases: none may be printed back. */
const PASSWORD = 'Pw-Q9x!distinct-77c1';
const FOREIGN_KEY = 'ak-distinct-5e1b2c9d0a';

/** Requests that change state on the server or in S3. */
const WRITES = /^(POST|PUT|DELETE|PATCH) /;

let sb: Sandbox;
let ctx: CaseContext;
let root: string;
let n = 0;
let documented: Set<number>;

beforeAll(async () => {
  sb = await startSandbox({ pipeline: 'instant' });
  root = await mkdtemp(join(tmpdir(), 'gencove-bad-input-'));
  documented = await documentedExitCodes();
  const res = await fetch(`${sb.url}/api/v2/projects/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Api-Key ${sb.apiKey}` },
    body: JSON.stringify({ name: 'bad-input' }),
  });
  const project = (await res.json()) as { id: string };
  await mkdir(join(root, 'seed'));
  await writeFile(join(root, 'seed', 'SEED1_R1.fastq.gz'), fastq('SEED1_R1'));
  const uploaded = await gencove(
    [
      'upload',
      join(root, 'seed'),
      'gncv://bad-input-seed/',
      '--run-project-id',
      project.id,
      '--output',
      '-',
    ],
    { env: sandboxEnv(sb, { XDG_CACHE_HOME: join(root, 'cache') }), cwd: root },
  );
  if (uploaded.code !== 0) throw new Error(`seeding failed: ${uploaded.stderr}`);
  const [sample] = JSON.parse(uploaded.stdout) as Array<{ sample: string }>;
  ctx = { sb, projectId: project.id, sampleId: sample!.sample };
}, 120_000);

afterAll(async () => {
  await sb?.close();
  await rm(root, { recursive: true, force: true });
});

/** `ERROR: …` lines, and the message of `--json` error lines (`{"error": {…}}`). */
function errorMessages(stderr: string): string[] {
  return stderr.split('\n').flatMap((line) => {
    if (/^(ERROR|error): /.test(line)) return [line];
    if (!line.startsWith('{"error"')) return [];
    return [String((JSON.parse(line) as { error: { message: string } }).error.message)];
  });
}

async function runCase(c: CliCase) {
  const cwd = join(root, `case-${++n}`);
  await mkdir(cwd, { recursive: true });
  for (const [path, content] of Object.entries(c.files ?? {})) {
    await mkdir(dirname(join(cwd, path)), { recursive: true });
    await writeFile(join(cwd, path), content);
  }
  const before = await listFiles(cwd);
  const env = sandboxEnv(sb, { XDG_CACHE_HOME: join(cwd, '.cache') });
  for (const [k, v] of Object.entries(c.env?.(ctx) ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  sb.control.clearRequests();
  const run = await gencove(c.args(ctx), { env, cwd });
  return { run, cwd, before, requests: [...sb.control.requests] };
}

describe('bad input to the CLI', () => {
  it(`has at least 50 cases (${CLI_CASES.length})`, () => {
    expect(CLI_CASES.length).toBeGreaterThanOrEqual(50);
  });

  it.each(CLI_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const { run, cwd, before, requests } = await runCase(c);
    expect(run.code, run.stderr).toBe(c.code);
    expect(documented, 'the exit code is in the table of gencove --help').toContain(c.code);
    expect(errorMessages(run.stderr), run.stderr).toEqual([expect.stringMatching(c.message)]);
    if (c.detail) expect(run.stderr).toMatch(c.detail);
    expect(run.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/); // no stack trace
    const sent = requests.map((r) => `${r.method} ${r.target} ${r.path}`);
    if ((c.requests ?? 'none') === 'none') expect(sent).toEqual([]);
    expect(sent.filter((r) => WRITES.test(r))).toEqual([]);
    expect(await listFiles(cwd)).toEqual(before);
  });
});

describe('credentials given on the command line are never printed back', () => {
  it('a wrong --password: exit 3, the password nowhere', async () => {
    const { run } = await runCase({
      name: 'wrong password',
      args: (c) => ['projects', 'list', '--email', c.sb.email, '--password', PASSWORD],
      env: () => ({ GENCOVE_API_KEY: undefined }),
      code: 3,
      message: /./,
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^ERROR: .*No active account found with the given credentials/m);
  });

  it('a wrong --api-key: exit 3, the key nowhere', async () => {
    const { run, requests } = await runCase({
      name: 'wrong key',
      args: () => ['projects', 'list', '--api-key', FOREIGN_KEY, '--json'],
      code: 3,
      message: /./,
    });
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stderr.trim())).toMatchObject({
      error: { code: 'ERR_GENCOVE_AUTH', exitCode: 3 },
    });
    expect(requests.every((r) => r.method === 'GET')).toBe(true);
  });

  it('a bad host with a password in the environment: exit 2, the password nowhere', async () => {
    const { run } = await runCase({
      name: 'bad host',
      args: () => ['projects', 'list'],
      env: () => ({
        GENCOVE_API_KEY: undefined,
        GENCOVE_EMAIL: 'lab@example.org',
        GENCOVE_PASSWORD: PASSWORD,
        GENCOVE_HOST: `https://lab:${PASSWORD}@api.gencove.com`,
      }),
      code: 2,
      message: /./,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/credentials in the URL are not supported/);
  });

  it('no secret (issued by the sandbox or given to the CLI) in any output of this file', () => {
    const sources = transcript.flatMap((r, i) => [
      { where: `run ${i} ${r.args.slice(0, 2).join(' ')} stdout`, text: r.stdout },
      { where: `run ${i} ${r.args.slice(0, 2).join(' ')} stderr`, text: r.stderr },
    ]);
    expect(transcript.length).toBeGreaterThan(50);
    expect(
      findLeaks(sources, [...sb.control.issuedSecrets(), PASSWORD, FOREIGN_KEY, AWS_TEST_SECRET]),
    ).toEqual([]);
  });
});
