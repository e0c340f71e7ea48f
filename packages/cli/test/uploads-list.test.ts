import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Sandbox, startSandbox } from '@gencove/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, sandboxEnv } from './helpers/run-cli.js';

let sandbox: Sandbox;
let dir: string;
const env = () => sandboxEnv(sandbox, { XDG_CACHE_HOME: join(dir, 'cache') });

/** Uploads paired UL1 and single-end UL2 under gncv://uploads-list/ (UL2 a moment later). */
beforeAll(async () => {
  sandbox = await startSandbox({ pipeline: 'manual' });
  dir = await mkdtemp(join(tmpdir(), 'gencove-cli-uploads-'));
  for (const [folder, names] of [
    ['a', ['UL1_R1.fastq.gz', 'UL1_R2.fastq.gz']],
    ['b', ['UL2_R1.fastq.gz']],
  ] as const) {
    const reads = join(dir, folder);
    await mkdir(reads, { recursive: true });
    for (const name of names) await writeFile(join(reads, name), randomBytes(1000));
    const up = await runCli(['upload', reads, 'gncv://uploads-list', '--no-progress'], {
      env: env(),
    });
    expect(up.code).toBe(0);
  }
});

afterAll(async () => {
  await sandbox?.close();
  await rm(dir, { recursive: true, force: true });
});

const list = (...args: string[]) => runCli(['uploads', 'list', ...args], { env: env() });
const rows = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('\t'));

describe('gencove uploads list', () => {
  it('prints one tab-separated line per prospective sample, newest first, R2 only when present', async () => {
    const result = await list('--search', 'gncv://uploads-list/');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const [ul2, ul1] = rows(result.stdout);
    expect(ul2).toEqual([
      'UL2',
      expect.stringMatching(/^[0-9a-f-]{36}$/),
      'gncv://uploads-list/UL2_R1.fastq.gz',
    ]);
    expect(ul1).toEqual([
      'UL1',
      expect.stringMatching(/^[0-9a-f-]{36}$/),
      'gncv://uploads-list/UL1_R1.fastq.gz',
      expect.stringMatching(/^[0-9a-f-]{36}$/),
      'gncv://uploads-list/UL1_R2.fastq.gz',
    ]);
    const asc = await list('--search', 'uploads-list', '--sort-order', 'asc');
    expect(rows(asc.stdout).map((r) => r[0])).toEqual(['UL1', 'UL2']);
    const none = await list('--search', 'no-such-folder');
    expect([none.code, none.stdout]).toEqual([0, '']);
  });

  it('--status tells assigned from unassigned uploads; --json gives the entries as the API does', async () => {
    const assign = await runCli(
      ['projects', 'run-prefix', sandbox.projects.default, 'gncv://uploads-list/', '--json'],
      { env: env() },
    );
    expect(assign.code).toBe(0);
    const assigned = await list('--search', 'uploads-list', '--status', 'assigned', '--json');
    expect(assigned.code).toBe(0);
    const entries = JSON.parse(assigned.stdout) as Array<{
      client_id: string;
      sample?: string;
      fastq: Record<string, { upload: string; destination_path: string }>;
    }>;
    expect(entries.map((e) => e.client_id).sort()).toEqual(['UL1', 'UL2']);
    for (const e of entries) expect(e.sample).toMatch(/^[0-9a-f-]{36}$/);
    expect(Object.keys(entries.find((e) => e.client_id === 'UL1')!.fastq).sort()).toEqual([
      'r1',
      'r2',
    ]);
    const unassigned = await list('--search', 'uploads-list', '--status', 'unassigned', '--json');
    expect(JSON.parse(unassigned.stdout)).toEqual([]);
  });

  it('a 404 from the API ("uploads do not exist") → exit 4 with its message', async () => {
    sandbox.control.addFault({
      match: { path: '/api/v2/sample-sheet/' },
      fault: { type: 'status', status: 404, body: { detail: 'Uploads do not exist.' } },
    });
    try {
      const result = await list('--search', 'uploads-list');
      expect(result.code).toBe(4);
      expect(result.stderr).toMatch(/^ERROR: .*Uploads do not exist\./m);
      expect(result.stdout).toBe('');
    } finally {
      sandbox.control.clearFaults();
    }
  });

  it.each([
    ['--status', 'new'],
    ['--sort-by', 'size'],
  ])('%s %s → exit 2 naming the flag, no request', async (flag, value) => {
    sandbox.control.clearRequests();
    const result = await list(flag, value);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^ERROR: .*${flag}`, 'm'));
    expect(sandbox.control.requests.filter((r) => r.path.includes('sample-sheet'))).toEqual([]);
  });
});
