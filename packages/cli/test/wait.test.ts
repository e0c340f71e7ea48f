import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatAssignmentOutput, GencoveClient } from '@gencove/core';
import { type Sandbox, startSandbox } from '@gencove/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, sandboxEnv } from './helpers/run-cli.js';

let sandbox: Sandbox;
let client: GencoveClient;
let fastq: Server;
let fastqUrl: string;
let dir: string;

beforeAll(async () => {
  // 'instant': samples finish during assignment, so a wait needs a single poll.
  sandbox = await startSandbox({ pipeline: 'instant' });
  client = new GencoveClient({ host: sandbox.url, apiKey: sandbox.apiKey });
  fastq = createServer((_req, res) => res.end('@r\nACGT\n+\nIIII\n'));
  await new Promise<void>((resolve) => fastq.listen(0, '127.0.0.1', resolve));
  fastqUrl = `http://127.0.0.1:${(fastq.address() as AddressInfo).port}/r.fastq.gz`;
  dir = await mkdtemp(join(tmpdir(), 'gencove-wait-'));
});
afterAll(async () => {
  await client?.close();
  await sandbox?.close();
  fastq?.closeAllConnections();
  await new Promise((resolve) => fastq?.close(resolve));
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A fresh project with one finished sample per client id (FAILQC / FAIL markers decide). */
async function projectWith(clientIds: string[]) {
  const template = await client.getProject(sandbox.projects.default);
  const project = await client.createProject({
    name: `wait-cli-${randomUUID().slice(0, 8)}`,
    pipelineCapabilities: String(template.pipeline_capabilities),
  });
  const folder = `gncv://wait-cli-${randomUUID().slice(0, 8)}/`;
  for (const id of clientIds) await client.createUrlUpload(`${folder}${id}_R1.fastq.gz`, fastqUrl);
  const entries = await client.listSampleSheet({ search: folder, status: 'unassigned' }).toArray();
  const response = await client.assignUploads(project.id, entries);
  const sampleOf = (clientId: string): string =>
    response.uploads.find((u) => u.client_id === clientId)!.sample;
  return { projectId: project.id, assigned: response.uploads, sampleOf };
}

const wait = (args: string[], input?: string) =>
  runCli(['wait', ...args], {
    env: sandboxEnv(sandbox),
    ...(input !== undefined ? { input } : {}),
  });

describe('gencove wait exit codes', () => {
  it('0 when every sample succeeded; one line per sample on stdout, summary on stderr', async () => {
    const { projectId, assigned } = await projectWith(['OK-1', 'OK-2']);
    const r = await wait(['--project-id', projectId]);
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(lines.map((l) => l[0]).sort()).toEqual(assigned.map((a) => a.sample).sort());
    expect(
      lines.every((l) => l[2] === 'succeeded' && l[3] === 'available' && l[4] === 'succeeded'),
    ).toBe(true);
    expect(r.stderr).toMatch(/2 samples: 2 succeeded/);
    expect(r.stderr).toMatch(/all samples succeeded \(2 succeeded\)/);
    expect(r.stderr).not.toContain('\x1b['); // no live table without a terminal
  });

  it('10 when some failed QC', async () => {
    const { projectId } = await projectWith(['Q-1', 'Q-2-FAILQC']);
    const r = await wait(['--project-id', projectId]);
    expect(r.code).toBe(10);
    expect(r.stderr).toMatch(/some samples failed QC/);
  });

  it('11 when some failed', async () => {
    const { projectId } = await projectWith(['F-1', 'F-2-FAILQC', 'F-3-FAIL']);
    const r = await wait(['--project-id', projectId, '--no-progress']);
    expect(r.code).toBe(11);
    expect(r.stdout).toMatch(/F-3-FAIL\tfailed\tavailable\tfailed\t.*FAIL/);
  });

  it('12 on timeout (--timeout 0 polls once)', async () => {
    const { projectId, sampleOf } = await projectWith(['T-1', 'T-2']);
    await sandbox.control.setSampleStatus(sampleOf('T-2'), 'running');
    const r = await wait(['--project-id', projectId, '--timeout', '0']);
    expect(r.code).toBe(12);
    expect(r.stdout).toContain(`${sampleOf('T-2')}\tT-2\trunning\tavailable\tpending\t\n`);
    expect(r.stdout).toContain(`${sampleOf('T-1')}\tT-1\tsucceeded\tavailable\tsucceeded\t\n`);
    expect(r.stderr).toMatch(/timed out/);
  });

  it('13 when a sample is archived or does not exist', async () => {
    const { projectId, sampleOf } = await projectWith(['A-1', 'A-2']);
    sandbox.control.archiveSamples([sampleOf('A-1')]);
    const missing = randomUUID();
    const r = await wait([
      '--project-id',
      projectId,
      '--sample-ids',
      `${sampleOf('A-1')},${missing}`,
    ]);
    expect(r.code).toBe(13);
    expect(r.stdout).toContain(
      `${sampleOf('A-1')}\tA-1\tsucceeded\tarchived\tunavailable\tsample is archived`,
    );
    expect(r.stdout).toContain(`${missing}\t\t\tunknown\tunavailable\tsample not found`);
  });

  it('4 for an unknown project, 3 for a bad key', async () => {
    const unknown = await wait(['--project-id', sandbox.projects.other]);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toMatch(/^ERROR: /m);
    const bad = await runCli(['wait', '--project-id', sandbox.projects.default], {
      env: sandboxEnv(sandbox, { GENCOVE_API_KEY: 'wrong-key' }),
    });
    expect(bad.code).toBe(3);
    expect(bad.stderr).not.toContain('wrong-key');
  });
});

describe('gencove wait --json', () => {
  it('prints NDJSON events ending with the result object', async () => {
    const { projectId, assigned } = await projectWith(['J-1', 'J-2-FAILQC']);
    const r = await wait(['--project-id', projectId, '--json']);
    expect(r.code).toBe(10);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events.map((e) => e.type)).toEqual(['status', 'status', 'poll', 'end', 'result']);
    const result = events.at(-1);
    expect(result).toMatchObject({
      type: 'result',
      outcome: 'failed-qc',
      exitCode: 10,
      requests: 1,
    });
    expect(result.samples.map((s: { id: string }) => s.id).sort()).toEqual(
      assigned.map((a) => a.sample).sort(),
    );
    expect(result).not.toHaveProperty('state');
    expect(events[2]).toMatchObject({
      type: 'poll',
      mode: 'full',
      counts: { succeeded: 1, 'failed qc': 1 },
    });
  });
});

describe('gencove wait --from-output', () => {
  it('waits for the samples of an upload --output file, or of stdin', async () => {
    const { projectId, assigned } = await projectWith(['O-1', 'O-2', 'O-3-FAIL']);
    const output = formatAssignmentOutput(
      assigned
        .filter((a) => !a.client_id?.includes('FAIL'))
        .map((a) => ({
          client_id: a.client_id ?? '',
          fastq: { r1: { upload: randomUUID() } },
          sample: a.sample,
        })),
    );
    const file = join(dir, 'assigned.json');
    await writeFile(file, output);
    const fromFile = await wait(['--project-id', projectId, '--from-output', file]);
    expect(fromFile.code).toBe(0); // O-3-FAIL is not in the file
    expect(fromFile.stdout.trim().split('\n')).toHaveLength(2);
    const fromStdin = await wait(['--project-id', projectId, '--from-output', '-'], output);
    expect(fromStdin.code).toBe(0);
    expect(fromStdin.stdout).toBe(fromFile.stdout);
  });

  it('rejects a bad file with exit 2 and a message naming it', async () => {
    const projectId = sandbox.projects.default;
    const notJson = join(dir, 'broken.json');
    await writeFile(notJson, '{"oops"');
    const broken = await wait(['--project-id', projectId, '--from-output', notJson]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain(notJson);
    expect(broken.stderr).toMatch(/not valid JSON/);
    const absent = await wait(['--project-id', projectId, '--from-output', join(dir, 'nope.json')]);
    expect(absent.code).toBe(2);
    expect(absent.stderr).toMatch(/cannot read .*nope\.json/);
  });
});

describe('gencove wait usage errors (exit 2, nothing sent)', () => {
  it.each([
    [['--project-id', 'nope'], /--project-id must be a UUID/],
    [['--project-id', randomUUID(), '--sample-ids', 'a', '--client-ids', 'b'], /at most one of/],
    [['--project-id', randomUUID(), '--sample-ids', 'xyz'], /--sample-ids must be a UUID/],
    [['--project-id', randomUUID(), '--poll-interval', '100ms'], /at least 1s/],
    [['--project-id', randomUUID(), '--timeout', 'soon'], /--timeout must be a duration/],
    [
      ['--project-id', randomUUID(), '--poll-interval', '10m', '--max-poll-interval', '1m'],
      /not be shorter/,
    ],
  ])('%j', async (args, message) => {
    const before = sandbox.control.requests.length;
    const r = await wait(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(sandbox.control.requests.length).toBe(before);
  });
});

describe('gencove samples list / projects list-samples', () => {
  it('print the official tab-separated lines with the same filters', async () => {
    const { projectId, assigned } = await projectWith(['S-1', 'S-2-FAIL', 'S-3']);
    const env = sandboxEnv(sandbox);
    const viaSamples = await runCli(
      [
        'samples',
        'list',
        '--project-id',
        projectId,
        '--sort-by',
        'client_id',
        '--sort-order',
        'asc',
      ],
      { env },
    );
    const viaProjects = await runCli(
      ['projects', 'list-samples', projectId, '--sort-by', 'client_id', '--sort-order', 'asc'],
      { env },
    );
    expect(viaSamples.code).toBe(0);
    expect(viaSamples.stdout).toBe(viaProjects.stdout);
    const rows = viaSamples.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(rows.map((r) => r.slice(1, 5))).toEqual(
      ['S-1', 'S-2-FAIL', 'S-3'].map((c) => {
        const sample = assigned.find((a) => a.client_id === c)!.sample;
        return [sample, c, c.includes('FAIL') ? 'failed' : 'succeeded', 'available'];
      }),
    );
    expect(rows[0]![0]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\+00:00$/);
    const failed = await runCli(
      ['samples', 'list', '--project-id', projectId, '--status', 'failed', '--include-run'],
      { env },
    );
    expect(
      failed.stdout
        .trim()
        .split('\n')
        .map((l) => l.split('\t')[2]),
    ).toEqual(['S-2-FAIL']);
    expect(failed.stdout.split('\t')).toHaveLength(6);
  });

  it('--json streams one JSON array; hidden samples need --hidden or --hidden-status', async () => {
    const { projectId, assigned } = await projectWith(['H-1', 'H-2']);
    await client.hideSamples(projectId, [assigned[0]!.sample]);
    const env = sandboxEnv(sandbox);
    const visible = await runCli(['samples', 'list', '--project-id', projectId, '--json'], { env });
    expect(JSON.parse(visible.stdout).map((s: { id: string }) => s.id)).toEqual([
      assigned[1]!.sample,
    ]);
    const all = await runCli(['samples', 'list', '--project-id', projectId, '--json', '--hidden'], {
      env,
    });
    expect(JSON.parse(all.stdout)).toHaveLength(2);
    const hidden = await runCli(
      ['samples', 'list', '--project-id', projectId, '--json', '--hidden-status', 'hidden'],
      { env },
    );
    expect(JSON.parse(hidden.stdout).map((s: { id: string }) => s.id)).toEqual([
      assigned[0]!.sample,
    ]);
    const empty = await runCli(
      ['samples', 'list', '--project-id', sandbox.projects.empty, '--json'],
      { env },
    );
    expect(JSON.parse(empty.stdout)).toEqual([]);
    const conflict = await runCli(
      ['samples', 'list', '--project-id', projectId, '--hidden', '--hidden-status', 'visible'],
      { env },
    );
    expect(conflict.code).toBe(2);
    const badStatus = await runCli(
      ['samples', 'list', '--project-id', projectId, '--status', 'done'],
      { env },
    );
    expect(badStatus.code).toBe(2);
    expect(badStatus.stderr).toMatch(/--status must be one of/);
  });
});
