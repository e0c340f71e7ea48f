import { randomUUID } from 'node:crypto';
import type { Sandbox } from '@gencove/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  formatAssignmentOutput,
  isAvailableArchiveStatus,
  listSamples,
  selectorFromAssignmentOutput,
  type WaitOptions,
  waitForSamples,
} from '../src/index.js';
import {
  createSamples,
  fastqServer,
  manualSandbox,
  newProject,
  SimClock,
  simClient,
} from './status-helpers.js';

let sandbox: Sandbox;
let fastq: Awaited<ReturnType<typeof fastqServer>>;

beforeAll(async () => {
  sandbox = await manualSandbox();
  fastq = await fastqServer();
});
afterAll(async () => {
  await sandbox?.close();
  await fastq?.close();
});

/** A client and wait options on a fresh simulated clock, plus a fresh project with samples. */
async function setup(clientIds: string[]) {
  const clock = new SimClock(sandbox);
  const client = simClient(sandbox, clock);
  const projectId = await newProject(client, sandbox);
  const samples = await createSamples(client, projectId, clientIds, fastq.url);
  const timing: WaitOptions = { now: clock.now, sleep: clock.sleep, random: () => 0.5 };
  return { clock, client, projectId, samples, timing };
}

describe('waitForSamples outcomes', () => {
  it('succeeded: every sample succeeded', async () => {
    const { client, projectId, samples, timing } = await setup(['OK-1', 'OK-2', 'OK-3', 'OK-4']);
    const result = await waitForSamples(client, { projectId }, timing);
    expect(result.outcome).toBe('succeeded');
    expect(result.counts).toEqual({
      succeeded: 4,
      'failed-qc': 0,
      failed: 0,
      unavailable: 0,
      pending: 0,
    });
    expect(result.samples.map((s) => s.id).sort()).toEqual(samples.map((s) => s.id).sort());
    expect(result.samples[0]).toMatchObject({ status: 'succeeded', archiveStatus: 'available' });
    expect(result.requests).toBeGreaterThan(0);
    await client.close();
  });

  it('failed-qc: everything finished, some failed QC', async () => {
    const { client, projectId, timing } = await setup(['Q-1', 'Q-2-FAILQC']);
    const result = await waitForSamples(client, { projectId }, timing);
    expect(result.outcome).toBe('failed-qc');
    expect(result.samples.find((s) => s.clientId === 'Q-2-FAILQC')).toMatchObject({
      status: 'failed qc',
      outcome: 'failed-qc',
    });
    await client.close();
  });

  it('failed: one failure fails the batch and carries the server note', async () => {
    const { client, projectId, timing } = await setup(['F-1', 'F-2-FAILQC', 'F-3-FAIL']);
    const result = await waitForSamples(client, { projectId }, timing);
    expect(result.outcome).toBe('failed');
    expect(result.samples.find((s) => s.clientId === 'F-3-FAIL')).toMatchObject({
      outcome: 'failed',
      note: expect.stringContaining('FAIL'),
    });
    await client.close();
  });

  it('timeout: a sample still running at the deadline (after a last poll at the deadline)', async () => {
    const { client, clock, projectId, samples, timing } = await setup(['T-1', 'T-2']);
    await sandbox.control.setSampleStatus(samples[1]!.id, 'running');
    const start = clock.now();
    const result = await waitForSamples(
      client,
      { projectId },
      { ...timing, timeoutMs: 45 * 60_000 },
    );
    expect(result.outcome).toBe('timeout');
    expect(result.elapsedMs).toBe(45 * 60_000);
    expect(clock.now() - start).toBe(45 * 60_000);
    expect(result.samples.find((s) => s.id === samples[1]!.id)).toMatchObject({
      status: 'running',
      outcome: 'pending',
    });
    expect(result.counts).toMatchObject({ succeeded: 1, pending: 1 });
    await client.close();
  });

  it('timeout 0 polls once', async () => {
    const { client, clock, projectId, timing } = await setup(['Z-1']);
    const start = clock.now();
    const result = await waitForSamples(client, { projectId }, { ...timing, timeoutMs: 0 });
    expect(result).toMatchObject({ outcome: 'timeout', elapsedMs: 0, requests: 1 });
    expect(result.samples[0]).toMatchObject({ status: 'created', outcome: 'pending' });
    expect(clock.now()).toBe(start);
    await client.close();
  });

  it('failed outranks timeout: a failure is certain even while others still run', async () => {
    const { client, projectId, samples, timing } = await setup(['P-1-FAIL', 'P-2']);
    await sandbox.control.setSampleStatus(samples[1]!.id, 'running');
    const result = await waitForSamples(
      client,
      { projectId },
      { ...timing, timeoutMs: 10 * 60_000 },
    );
    expect(result.outcome).toBe('failed');
    expect(result.counts).toMatchObject({ failed: 1, pending: 1 });
    await client.close();
  });

  it('unavailable: archived, hidden, deleted, unknown and foreign samples', async () => {
    const { client, projectId, samples, timing } = await setup(['A-1', 'A-2', 'A-3', 'A-4-FAILQC']);
    const [archived, hidden, deleted, qc] = samples;
    await waitForSamples(client, { projectId }, timing);
    sandbox.control.archiveSamples([archived!.id]);
    await client.hideSamples(projectId, [hidden!.id]);
    await client.deleteSamples(projectId, [deleted!.id]);
    const [foreign] = await client.listProjectSamples(sandbox.projects.default).toArray(1);
    const unknown = randomUUID();
    const ids = [archived!.id, hidden!.id, deleted!.id, qc!.id, foreign!.id, unknown];
    for (const perSampleMax of [0, 100]) {
      // both ways of polling: the project listing and one GET per sample
      const result = await waitForSamples(
        client,
        { projectId, sampleIds: ids },
        { ...timing, perSampleMax },
      );
      expect(result.outcome).toBe('unavailable');
      expect(result.samples.map((s) => [s.id, s.outcome, s.note])).toEqual([
        [archived!.id, 'unavailable', 'sample is archived'],
        [hidden!.id, 'unavailable', 'sample is hidden'],
        [deleted!.id, 'unavailable', 'sample not found'],
        [qc!.id, 'failed-qc', undefined],
        [foreign!.id, 'unavailable', 'sample belongs to another project'],
        [unknown, 'unavailable', 'sample not found'],
      ]);
    }
    await client.close();
  });

  it('a custom predicate waits for a restore instead (archived is then not unavailable)', async () => {
    const { client, projectId, samples, timing } = await setup(['RS-1', 'RS-2']);
    await waitForSamples(client, { projectId }, timing);
    const ids = samples.map((s) => s.id);
    sandbox.control.archiveSamples(ids);
    await client.restoreSamples(projectId, ids);
    const restored = {
      ...timing,
      until: (s: { archiveStatus: string | null }) => isAvailableArchiveStatus(s.archiveStatus),
    };
    const pending = await waitForSamples(
      client,
      { projectId, sampleIds: ids },
      { ...restored, timeoutMs: 0 },
    );
    expect(pending.outcome).toBe('timeout');
    expect(pending.samples.map((s) => s.archiveStatus)).toEqual([
      'restore_requested',
      'restore_requested',
    ]);
    const events: string[] = [];
    let restoring = false;
    const run = waitForSamples(
      client,
      { projectId, sampleIds: ids },
      {
        ...restored,
        timeoutMs: 3600_000,
        onEvent: (e) => {
          if (e.type === 'status') events.push(`${e.previousArchiveStatus}->${e.archiveStatus}`);
          if (e.type === 'poll' && !restoring) {
            restoring = true; // the restore completes while the wait is sleeping
            void sandbox.control.completeRestores();
          }
        },
      },
    );
    const result = await run;
    expect(result.outcome).toBe('succeeded');
    expect(result.samples.every((s) => s.archiveStatus === 'restored')).toBe(true);
    expect(events).toContain('restore_requested->restored');
    await client.close();
  });
});

describe('selectors', () => {
  it('client ids select samples by client id; unknown client ids are unavailable', async () => {
    const { client, projectId, samples, timing } = await setup(['C-1', 'C-2-FAIL', 'C-3']);
    const result = await waitForSamples(
      client,
      { projectId, clientIds: ['C-1', 'C-2-FAIL', 'NOPE'] },
      timing,
    );
    expect(result.outcome).toBe('failed');
    expect(result.samples.map((s) => [s.id, s.clientId, s.outcome])).toEqual([
      [samples[0]!.id, 'C-1', 'succeeded'],
      [samples[1]!.id, 'C-2-FAIL', 'failed'],
      [null, 'NOPE', 'unavailable'],
    ]);
    expect(result.samples[2]!.note).toBe('no sample with this client id in the project');
    await client.close();
  });

  it('a re-run under the same client id replaces the old sample', async () => {
    const { client, projectId, samples, timing } = await setup(['RR-1']);
    await waitForSamples(client, { projectId }, timing);
    await sandbox.control.setSampleStatus(samples[0]!.id, 'failed', 'first run failed');
    await sandbox.control.advance(1); // the re-run is created strictly later
    const [second] = await createSamples(client, projectId, ['RR-1'], fastq.url);
    const result = await waitForSamples(client, { projectId, clientIds: ['RR-1'] }, timing);
    expect(result.samples).toEqual([
      expect.objectContaining({ id: second!.id, clientId: 'RR-1', outcome: 'succeeded' }),
    ]);
    expect(result.outcome).toBe('succeeded');
    await client.close();
  });

  it('waits for the samples of an upload --output file', async () => {
    const { client, projectId, samples, timing } = await setup([
      'O-1',
      'O-2',
      'O-3',
      'O-4',
      'O-5-FAILQC',
    ]);
    const output = formatAssignmentOutput(
      samples.slice(0, 4).map((s) => ({
        client_id: s.clientId,
        fastq: { r1: { upload: randomUUID() } },
        sample: s.id,
      })),
    );
    const selector = selectorFromAssignmentOutput(output, projectId);
    const result = await waitForSamples(client, selector, timing);
    expect(result.outcome).toBe('succeeded'); // the FAILQC sample is not in the file
    expect(result.samples.map((s) => s.id)).toEqual(samples.slice(0, 4).map((s) => s.id));
    await client.close();
  });

  it('an empty project settles at once with no samples', async () => {
    const clock = new SimClock(sandbox);
    const client = simClient(sandbox, clock);
    const result = await waitForSamples(
      client,
      { projectId: sandbox.projects.empty },
      {
        now: clock.now,
        sleep: clock.sleep,
      },
    );
    expect(result).toMatchObject({ outcome: 'succeeded', samples: [], requests: 1 });
    await client.close();
  });
});

describe('listSamples', () => {
  it('lists every page with the filters of spec §7.1 and validates them before any request', async () => {
    const { client, projectId } = await setup(['L-1', 'L-2', 'L-3']);
    const all = await listSamples(client, projectId, {
      sortBy: 'client_id',
      sortOrder: 'asc',
    }).toArray();
    expect(all.map((s) => s.client_id)).toEqual(['L-1', 'L-2', 'L-3']);
    const found = await listSamples(client, projectId, { search: 'L-2' }).toArray();
    expect(found.map((s) => s.client_id)).toEqual(['L-2']);
    const before = sandbox.control.requests.length;
    expect(() => listSamples(client, projectId, { status: 'done' as never })).toThrow(
      /status must be one of/,
    );
    expect(() => listSamples(client, 'not-a-uuid')).toThrow(/projectId must be a UUID/);
    expect(sandbox.control.requests.length).toBe(before);
    await client.close();
  });
});
