import type { Sandbox } from '@gencove/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GencoveClient,
  type PollEvent,
  pollSamples,
  type SampleStatusEvent,
  type WatchEvent,
  waitForSamples,
  watchSamples,
} from '../src/index.js';
import {
  apiRequests,
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
  sandbox = await manualSandbox({ largeProjectSamples: 1000 });
  fastq = await fastqServer();
});
afterAll(async () => {
  await sandbox?.close();
  await fastq?.close();
});

/** Simulated clock, client on it, and the options that put a watch on it. */
function sim() {
  const clock = new SimClock(sandbox);
  const client = simClient(sandbox, clock);
  const timing = { now: clock.now, sleep: clock.sleep, random: () => 0.5 };
  return { clock, client, timing };
}

async function collect(watch: AsyncIterable<WatchEvent>): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  for await (const e of watch) events.push(e);
  return events;
}

const statusEvents = (events: WatchEvent[]) =>
  events.filter((e): e is SampleStatusEvent => e.type === 'status');
const pollEvents = (events: WatchEvent[]) =>
  events.filter((e): e is PollEvent => e.type === 'poll');

describe('watchSamples', () => {
  it('reports every transition of every sample exactly once', async () => {
    const { client, timing } = sim();
    const projectId = await newProject(client, sandbox);
    const created = await createSamples(
      client,
      projectId,
      ['W1', 'W2', 'W3-FAILQC', 'W4-FAIL'],
      fastq.url,
    );
    const events = await collect(
      watchSamples(
        client,
        { projectId },
        {
          ...timing,
          minIntervalMs: 400,
          until: (s) =>
            s.status !== null && ['succeeded', 'failed qc', 'failed'].includes(s.status),
        },
      ),
    );
    for (const { id, clientId } of created) {
      const mine = statusEvents(events).filter((e) => e.sampleId === id);
      const final = clientId.includes('FAILQC')
        ? 'failed qc'
        : clientId.includes('FAIL')
          ? 'failed'
          : 'succeeded';
      expect(mine.map((e) => [e.previousStatus, e.status])).toEqual([
        [null, 'created'],
        ['created', 'running'],
        ['running', final],
      ]);
      expect(mine.every((e) => e.clientId === clientId && e.archiveStatus === 'available')).toBe(
        true,
      );
    }
    const polls = pollEvents(events);
    expect(polls.some((p) => p.changes === 0)).toBe(true); // polls in between changed nothing
    expect(polls.at(-1)).toMatchObject({
      nextPollInMs: null,
      pending: 0,
      total: 4,
      counts: { succeeded: 2, 'failed qc': 1, failed: 1 },
    });
    expect(events.at(-1)).toMatchObject({ type: 'end', reason: 'settled' });
    // every event is plain JSON
    expect(JSON.parse(JSON.stringify(events))).toEqual(events);
    await client.close();
  });

  it('polls a few sample ids one by one and stops fetching the finished ones', async () => {
    const { client, clock, timing } = sim();
    const projectId = await newProject(client, sandbox);
    const [a, b] = await createSamples(client, projectId, ['PS-A', 'PS-B'], fastq.url);
    await sandbox.control.setSampleStatus(b!.id, 'running'); // b stays running until we say so
    const from = sandbox.control.requests.length;
    const watch = watchSamples(
      client,
      { projectId, sampleIds: [a!.id, b!.id] },
      {
        ...timing,
        minIntervalMs: 1000,
        timeoutMs: 60_000,
        until: (s) => s.status === 'succeeded',
      },
    );
    const events: WatchEvent[] = [];
    for await (const e of watch) {
      events.push(e);
      if (e.type === 'poll' && pollEvents(events).length === 4) {
        await sandbox.control.setSampleStatus(b!.id, 'succeeded');
      }
    }
    expect(events.at(-1)).toMatchObject({ type: 'end', reason: 'settled' });
    const polls = pollEvents(events);
    expect(new Set(polls.map((p) => p.mode))).toEqual(new Set(['per-sample']));
    const calls = apiRequests(sandbox, from);
    expect(calls.every((r) => r.method === 'GET' && r.path.startsWith('/api/v2/samples/'))).toBe(
      true,
    );
    const gets = (id: string) => calls.filter((r) => r.path === `/api/v2/samples/${id}`).length;
    const aDoneAt = polls.findIndex((p) => p.counts.succeeded === 1) + 1;
    expect(gets(a!.id)).toBe(aDoneAt); // not fetched again once settled
    expect(gets(b!.id)).toBe(polls.length);
    expect(polls.at(-1)!.totalRequests).toBe(calls.length);
    expect(clock.sleeps.length).toBeGreaterThan(0);
    await client.close();
  });

  it('reads a project with sorted listings: full sweep first, then one page per poll', async () => {
    const { client, timing } = sim();
    const projectId = sandbox.projects.large!;
    const stuck = await client.listProjectSamples(projectId, { status: 'running' }).toArray(1);
    const visible = await client.countProjectSamples(projectId);
    const from = sandbox.control.requests.length;
    const watch = watchSamples(client, { projectId }, { ...timing, timeoutMs: 20 * 60_000 });
    const events: WatchEvent[] = [];
    for await (const e of watch) {
      events.push(e);
      if (e.type === 'poll' && pollEvents(events).length === 3) {
        await sandbox.control.setSampleStatus(stuck[0]!.id, 'succeeded');
      }
    }
    const polls = pollEvents(events);
    expect(polls[0]).toMatchObject({ mode: 'full', requests: 5, total: visible });
    expect(polls.slice(1).every((p) => p.mode === 'incremental' && p.requests === 1)).toBe(true);
    const change = statusEvents(events).filter((e) => e.previousStatus !== null);
    expect(change).toEqual([
      expect.objectContaining({
        sampleId: stuck[0]!.id,
        previousStatus: 'running',
        status: 'succeeded',
      }),
    ]);
    const listing = apiRequests(sandbox, from);
    expect(listing.length).toBe(polls.reduce((n, p) => n + p.requests, 0));
    expect(listing[0]!.query).toMatchObject({
      offset: '0',
      limit: '200',
      sort_by: 'modified',
      sort_order: 'desc',
      hidden_status: 'all',
      status: 'all',
      archive_status: 'all',
    });
    expect(events.at(-1)).toMatchObject({ type: 'end', reason: 'timeout' });
    await client.close();
  });

  it('repeats a full sweep every fullSweepIntervalMs', async () => {
    const { client, timing } = sim();
    const events = await collect(
      watchSamples(
        client,
        { projectId: sandbox.projects.large! },
        {
          ...timing,
          timeoutMs: 60 * 60_000,
          fullSweepIntervalMs: 20 * 60_000,
        },
      ),
    );
    const modes = pollEvents(events).map((p) => p.mode);
    expect(modes.filter((m) => m === 'full').length).toBe(3); // at 0, ≥20 and ≥40 min
    await client.close();
  });

  it('keeps the request rate under its bound', async () => {
    const { client, clock, timing } = sim();
    const at: number[] = [];
    const counted = new GencoveClient({
      host: sandbox.url,
      apiKey: sandbox.apiKey,
      retry: { sleep: clock.sleep, now: clock.now },
      onEvent: (e) => {
        if (e.type === 'request') at.push(clock.now());
      },
    });
    const from = sandbox.control.requests.length;
    // Every poll a full sweep of 5 pages, as often as possible: only the budget limits it.
    await collect(
      watchSamples(
        counted,
        { projectId: sandbox.projects.large! },
        {
          ...timing,
          minIntervalMs: 1000,
          maxIntervalMs: 1000,
          fullSweepIntervalMs: 0,
          maxRequestsPerMinute: 6,
          requestBurst: 6,
          timeoutMs: 10 * 60_000,
        },
      ),
    );
    expect(at.length).toBe(apiRequests(sandbox, from).length);
    for (const start of at) {
      const inWindow = at.filter((t) => t >= start && t < start + 60_000).length;
      expect(inWindow).toBeLessThanOrEqual(6 + 6);
    }
    const minutes = (Math.max(...at) - Math.min(...at)) / 60_000;
    expect(minutes).toBeLessThanOrEqual(10);
    expect(at.length).toBeLessThanOrEqual(6 + 6 * minutes + 1);
    expect(at.length).toBeGreaterThan(50); // the budget, not the interval, was the limit
    await counted.close();
    await client.close();
  });

  it('survives 429, 503, maintenance and dropped connections while polling', async () => {
    const { client, timing } = sim();
    const projectId = await newProject(client, sandbox);
    await createSamples(client, projectId, ['R1', 'R2', 'R3', 'R4'], fastq.url);
    const path = `/api/v2/project-samples/${projectId}`;
    const match = { method: 'GET', path, target: 'api' as const };
    // Each rule outlasts the client's own retries (4 attempts), so the poll itself fails.
    sandbox.control.addFault({
      match,
      times: 1,
      fault: { type: 'status', status: 429, retryAfter: 120 },
    });
    sandbox.control.addFault({ match, times: 4, fault: { type: 'status', status: 503 } });
    sandbox.control.addFault({ match, times: 4, fault: { type: 'reset' } });
    sandbox.control.addFault({
      match,
      times: 1,
      fault: { type: 'maintenance', message: 'upgrade' },
    });
    sandbox.control.addFault({ match, times: 4, fault: { type: 'truncate' } });
    const events: WatchEvent[] = [];
    const result = await waitForSamples(
      client,
      { projectId },
      {
        ...timing,
        timeoutMs: 6 * 3600_000,
        onEvent: (e) => events.push(e),
      },
    );
    sandbox.control.clearFaults();
    expect(result.outcome).toBe('succeeded');
    expect(result.counts.succeeded).toBe(4);
    const errors = events.filter((e) => e.type === 'poll-error');
    expect(errors.map((e) => e.code)).toEqual([
      'ERR_GENCOVE_RATE_LIMITED',
      'ERR_GENCOVE_SERVER',
      'ERR_GENCOVE_NETWORK',
      'ERR_GENCOVE_MAINTENANCE',
      'ERR_GENCOVE_NETWORK',
    ]);
    expect(errors[0]).toMatchObject({ status: 429, retryInMs: 120_000, consecutiveFailures: 1 });
    expect(errors[4]).toMatchObject({ consecutiveFailures: 5 });
    const bodyless = JSON.stringify(events);
    expect(bodyless).not.toContain(sandbox.apiKey);
    await client.close();
  });

  it('ends with a timeout when the API stays down past the deadline', async () => {
    const { client, timing } = sim();
    const projectId = await newProject(client, sandbox);
    await createSamples(client, projectId, ['D1'], fastq.url);
    sandbox.control.addFault({
      match: { path: `/api/v2/project-samples/${projectId}` },
      times: Number.POSITIVE_INFINITY,
      fault: { type: 'status', status: 502 },
    });
    const events: WatchEvent[] = [];
    const result = await waitForSamples(
      client,
      { projectId },
      {
        ...timing,
        timeoutMs: 30 * 60_000,
        onEvent: (e) => events.push(e),
      },
    );
    sandbox.control.clearFaults();
    expect(result.outcome).toBe('timeout');
    expect(result.elapsedMs).toBeGreaterThanOrEqual(30 * 60_000);
    const errors = events.filter((e) => e.type === 'poll-error');
    expect(errors.length).toBeGreaterThan(3);
    expect(errors.at(-1)).toMatchObject({ retryInMs: null });
    expect(events.at(-1)).toMatchObject({ type: 'end', reason: 'timeout' });
    await client.close();
  });

  it('throws what no retry can fix: bad credentials, unknown project', async () => {
    const { clock, timing } = sim();
    const bad = new GencoveClient({
      host: sandbox.url,
      apiKey: 'wrong-key',
      retry: { sleep: clock.sleep },
    });
    await expect(
      waitForSamples(bad, { projectId: sandbox.projects.default }, timing),
    ).rejects.toMatchObject({
      code: 'ERR_GENCOVE_AUTH',
    });
    await bad.close();
    const { client } = sim();
    await expect(
      waitForSamples(client, { projectId: sandbox.projects.other }, timing),
    ).rejects.toMatchObject({
      code: 'ERR_GENCOVE_NOT_FOUND',
    });
    await client.close();
  });

  it('stops when the signal aborts', async () => {
    const { client, timing } = sim();
    const controller = new AbortController();
    const run = waitForSamples(
      client,
      { projectId: sandbox.projects.large! },
      {
        ...timing,
        signal: controller.signal,
        onEvent: (e) => {
          if (e.type === 'poll') controller.abort();
        },
      },
    );
    await expect(run).rejects.toMatchObject({ code: 'ERR_GENCOVE_ABORTED' });
    await client.close();
  });
});

describe('pollSamples (one poll, resumable state)', () => {
  it('skips the baseline with emitInitial: false and resumes dedupe from stored state', async () => {
    const { client, clock } = sim();
    const projectId = await newProject(client, sandbox);
    const created = await createSamples(client, projectId, ['P1', 'P2', 'P3', 'P4'], fastq.url);
    const first = await pollSamples(client, { projectId }, { emitInitial: false, now: clock.now });
    expect(first.events).toEqual([]);
    expect(first.mode).toBe('full');
    const stored = JSON.parse(JSON.stringify(first.state));
    const again = await pollSamples(client, { projectId }, { state: stored, now: clock.now });
    expect(again.events).toEqual([]);
    expect(again.mode).toBe('incremental');
    await clock.sleep(1000);
    const moved = await pollSamples(client, { projectId }, { state: again.state, now: clock.now });
    expect(
      moved.events.map((e) => e.type === 'status' && [e.sampleId, e.previousStatus, e.status]),
    ).toEqual(expect.arrayContaining(created.map((c) => [c.id, 'created', 'running'])));
    expect(moved.events).toHaveLength(4);
    expect(moved.state.polls).toBe(3);
    // the input state is not modified
    expect(again.state.samples[created[0]!.id]!.status).toBe('created');
    await expect(
      pollSamples(client, { projectId: sandbox.projects.default }, { state: moved.state }),
    ).rejects.toMatchObject({ code: 'ERR_GENCOVE_INVALID_ARGUMENT' });
    await client.close();
  });

  it('reports unknown statuses, treats them as in progress, and new samples of a project', async () => {
    const { client, clock } = sim();
    const projectId = await newProject(client, sandbox);
    const [u] = await createSamples(client, projectId, ['U1'], fastq.url);
    let poll = await pollSamples(client, { projectId }, { now: clock.now });
    await sandbox.control.setSampleStatus(u!.id, 'queued for reanalysis');
    const [later] = await createSamples(client, projectId, ['U2'], fastq.url);
    poll = await pollSamples(client, { projectId }, { state: poll.state, now: clock.now });
    expect(poll.events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          sampleId: u!.id,
          status: 'queued for reanalysis',
          unknownStatus: true,
        }),
        expect.objectContaining({ sampleId: later!.id, previousStatus: null, status: 'created' }),
      ]),
    );
    const waited = await waitForSamples(
      client,
      { projectId, sampleIds: [u!.id] },
      {
        now: clock.now,
        sleep: clock.sleep,
        timeoutMs: 60_000,
      },
    );
    expect(waited.outcome).toBe('timeout');
    expect(waited.samples[0]).toMatchObject({
      status: 'queued for reanalysis',
      outcome: 'pending',
    });
    await client.close();
  });
});
