import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Sandbox, startSandbox } from '@gencove/sandbox';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, sandboxEnv } from './helpers/run-cli.js';

let sandbox: Sandbox;
let dir: string;

beforeAll(async () => {
  sandbox = await startSandbox({ pipeline: 'manual' });
  dir = await mkdtemp(join(tmpdir(), 'gencove-cli-run-prefix-'));
});

afterAll(async () => {
  await sandbox?.close();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  sandbox.control.clearFaults();
  sandbox.control.clearRequests();
});

const env = () => sandboxEnv(sandbox, { XDG_CACHE_HOME: join(dir, 'cache') });
const assignPosts = () =>
  sandbox.control.requests.filter(
    (r) => r.method === 'POST' && r.path.startsWith('/api/v2/project-samples/'),
  );

describe('gencove projects run-prefix', () => {
  it('assigns what an upload without --run-project-id left, as its hint says', async () => {
    const reads = join(dir, 'reads');
    await mkdir(reads, { recursive: true });
    for (const name of ['RP1_R1.fastq.gz', 'RP1_R2.fastq.gz', 'RP2_R1.fastq.gz']) {
      await writeFile(join(reads, name), randomBytes(1000));
    }
    const uploaded = await runCli(['upload', reads, 'gncv://run-prefix-1', '--no-progress'], {
      env: env(),
    });
    expect(uploaded.code).toBe(0);
    const hint = /assign them with: (gencove projects run-prefix PROJECT_ID \S+)\./.exec(
      uploaded.stderr,
    );
    expect(hint?.[1]).toBe('gencove projects run-prefix PROJECT_ID gncv://run-prefix-1/');

    const output = join(dir, 'out', 'samples.json');
    const args = hint![1]!
      .split(' ')
      .slice(1)
      .map((a) => (a === 'PROJECT_ID' ? sandbox.projects.default : a));
    const result = await runCli([...args, '--metadata-json', '{"plate": 9}', '--output', output], {
      env: env(),
    });
    expect(result.stderr).toContain(
      `Assigned 2 samples under gncv://run-prefix-1/ to project ${sandbox.projects.default}.`,
    );
    expect(result.code).toBe(0);
    const text = await readFile(output, 'utf8');
    expect(text.startsWith('[\n    {\n        "client_id"')).toBe(true); // spec §6.4
    const samples = JSON.parse(text) as Array<{
      client_id: string;
      fastq: Record<string, { upload: string }>;
      sample: string;
    }>;
    expect(samples.map((s) => s.client_id).sort()).toEqual(['RP1', 'RP2']);
    expect(Object.keys(samples.find((s) => s.client_id === 'RP2')!.fastq)).toEqual(['r1']);
    for (const s of samples) {
      expect(sandbox.control.getSample(s.sample)).toMatchObject({
        project: sandbox.projects.default,
        metadata: { plate: 9 },
      });
    }
    expect(assignPosts()).toHaveLength(1);

    // nothing left under the prefix: exit 4, nothing posted
    sandbox.control.clearRequests();
    const again = await runCli([...args, '--json'], { env: env() });
    expect(again.code).toBe(4);
    expect(again.stderr).toContain('No unassigned uploads under gncv://run-prefix-1/');
    expect(assignPosts()).toHaveLength(0);
  });

  it.each([
    ['a prefix that is not gncv://', 2, () => [sandbox.projects.default, 's3://bucket/']],
    ['an invalid status', 2, () => [sandbox.projects.default, 'gncv://x/', '--status', 'new']],
    [
      'metadata that is not JSON',
      2,
      () => [sandbox.projects.default, 'gncv://x/', '--metadata-json', '{'],
    ],
    ['an inaccessible project', 4, () => [sandbox.projects.other, 'gncv://x/']],
  ])('%s → exit %i, nothing assigned', async (_name, code, args) => {
    const result = await runCli(['projects', 'run-prefix', ...args()], { env: env() });
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(/^ERROR: /m);
    expect(assignPosts()).toHaveLength(0);
  });
});
