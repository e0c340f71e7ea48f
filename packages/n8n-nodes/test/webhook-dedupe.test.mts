import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signWebhook } from '@gencove/core';
import type { startSandbox } from '@gencove/sandbox';
import type { IDataObject, IWebhookResponseData } from 'n8n-workflow';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  claimEvents,
  type DedupeMemory,
  eventIdOf,
  prune,
  readStored,
} from '../nodes/GencoveWebhookTrigger/dedupe';
import type { Harness } from './harness/n8n.mjs';
import { useSandboxAndN8n } from './setup.mjs';

const SECRET = 'whsec-test-7f3a';
const HOUR = 3_600_000;

describe('dedupe bounds (unit)', () => {
  const ev = (id: string) => ({ event_id: id });
  const claim = (
    memory: DedupeMemory,
    stored: unknown,
    ids: string[],
    now: number,
    bounds = { maxEvents: 1000, windowMs: 168 * HOUR },
  ) => claimEvents({ memory, key: 'wf/node', stored, events: ids.map(ev), now, bounds });
  const freshIds = (r: { fresh: Array<{ event_id: string }> }) => r.fresh.map((e) => e.event_id);

  test('keeps at most maxEvents ids, forgetting the oldest first', () => {
    const memory: DedupeMemory = new Map();
    const bounds = { maxEvents: 3, windowMs: 0 };
    let stored: unknown;
    for (const [i, id] of ['e1', 'e2', 'e3', 'e4', 'e5'].entries()) {
      stored = claim(memory, stored, [id], 1000 + i, bounds).store;
    }
    expect(readStored(stored).map((s) => s.id)).toEqual(['e3', 'e4', 'e5']);
    expect(memory.get('wf/node')?.size).toBe(3);
    // e5 is remembered, e1 was forgotten (a redelivery that late starts the workflow again)
    const again = claim(memory, stored, ['e5', 'e1'], 2000, bounds);
    expect(freshIds(again)).toEqual(['e1']);
    expect(again.duplicates).toBe(1);
    expect(readStored(again.store).map((s) => s.id)).toEqual(['e4', 'e5', 'e1']);
  });

  test('forgets ids older than the window; window 0 keeps them (count bound only)', () => {
    const windowMs = 2 * HOUR;
    const t0 = Date.UTC(2026, 0, 5);
    const memory: DedupeMemory = new Map();
    const { store } = claim(memory, undefined, ['a'], t0, { maxEvents: 10, windowMs });
    expect(claim(memory, store, ['a'], t0 + windowMs, { maxEvents: 10, windowMs }).duplicates).toBe(
      1,
    );
    const late = claim(memory, store, ['a'], t0 + windowMs + 1, { maxEvents: 10, windowMs });
    expect(freshIds(late)).toEqual(['a']);

    const seen = new Map([
      ['old', t0 - 365 * 24 * HOUR],
      ['new', t0],
    ]);
    prune(seen, t0, { maxEvents: 10, windowMs: 0 });
    expect([...seen.keys()]).toEqual(['old', 'new']);
    prune(seen, t0, { maxEvents: 10, windowMs: HOUR });
    expect([...seen.keys()]).toEqual(['new']);
  });

  test('static data carries the ids over a restart (empty memory)', () => {
    const before: DedupeMemory = new Map();
    const { store } = claim(before, undefined, ['a', 'b'], 1000);
    const afterRestart: DedupeMemory = new Map();
    const r = claim(afterRestart, JSON.parse(JSON.stringify(store)), ['b', 'c'], 2000);
    expect(freshIds(r)).toEqual(['c']);
    expect(readStored(r.store).map((s) => s.id)).toEqual(['a', 'b', 'c']);
  });

  test('two requests that loaded the same stale static data both keep every id (no lost update)', () => {
    const memory: DedupeMemory = new Map();
    const stale: unknown = [];
    const first = claim(memory, stale, ['a'], 1000);
    const second = claim(memory, stale, ['b'], 1001);
    expect(freshIds(first)).toEqual(['a']);
    expect(freshIds(second)).toEqual(['b']);
    // whichever save lands last, it holds both ids
    expect(readStored(second.store).map((s) => s.id)).toEqual(['a', 'b']);
    // and a concurrent duplicate that loaded the same stale data is still caught (memory)
    expect(claim(memory, stale, ['a'], 1002).fresh).toEqual([]);
  });

  test('out of order: every distinct id is fresh once, whatever the order', () => {
    const memory: DedupeMemory = new Map();
    const order = ['e3', 'e1', 'e3', 'e2', 'e1', 'e5', 'e4', 'e2'];
    const emitted = order.flatMap((id, i) => freshIds(claim(memory, undefined, [id], 1000 + i)));
    expect(emitted).toEqual(['e3', 'e1', 'e2', 'e5', 'e4']);
  });

  test('duplicates inside one body, events without an id, malformed static data', () => {
    const memory: DedupeMemory = new Map();
    const r = claimEvents({
      memory,
      key: 'k',
      stored: [{ id: 'x' }, 'junk', null, { id: 5, at: 1 }, { id: 'kept', at: 900 }],
      events: [ev('a'), ev('a'), { event_type: 'no id' }, { event_id: '' }, { event_id: 7 }],
      now: 1000,
      bounds: { maxEvents: 10, windowMs: 0 },
    });
    expect(r.fresh).toEqual([ev('a'), { event_type: 'no id' }, { event_id: '' }, { event_id: 7 }]);
    expect(r.duplicates).toBe(1);
    expect(readStored(r.store).map((s) => s.id)).toEqual(['kept', 'a', '7']);
    // nothing new claimed: nothing to store
    expect(
      claimEvents({
        ...r,
        memory,
        key: 'k',
        stored: r.store,
        events: [ev('a')],
        now: 1001,
        bounds: { maxEvents: 10, windowMs: 0 },
      }).store,
    ).toBeUndefined();
    expect(eventIdOf([{ event_id: 'a' }])).toBeUndefined();
    expect(eventIdOf({ event_id: { nested: 1 } })).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// The trigger in the n8n harness, receiving the sandbox's real signed deliveries over HTTP.

interface Answer {
  status: number;
  started: boolean;
  body: unknown;
  eventIds: string[];
}

/** A stand-in for n8n's production webhook server in front of one active workflow. */
function receiverFor(getEndpoint: () => ReturnType<Harness['webhookEndpoint']>) {
  const answers: Answer[] = [];
  const starts: IDataObject[][] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks);
    let eventIds: string[] = [];
    try {
      eventIds = (JSON.parse(rawBody.toString('utf8')) as Array<{ event_id: string }>).map(
        (e) => e.event_id,
      );
    } catch {}
    const answer = (status: number, body: unknown, started: boolean) => {
      answers.push({ status, body, started, eventIds });
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    try {
      const { request, response, sent } = n8nRequest(req.headers, rawBody, answer);
      const result = await getEndpoint().receive(request, response);
      if (result.workflowData) {
        starts.push(result.workflowData[0]!.map((i) => i.json));
        answer(200, { message: 'Workflow was started' }, true); // responseMode onReceived
      } else if (!sent()) {
        answer(200, { message: 'Webhook call received' }, false);
      }
    } catch (error) {
      answer(500, { message: (error as Error).message }, false);
    }
  });
  return { server, answers, starts };
}

/** The request and response objects n8n hands to `webhook()` (express, with rawBody). */
function n8nRequest(
  headers: IncomingHttpHeaders,
  rawBody: Buffer,
  answer: (status: number, body: unknown, started: boolean) => void,
) {
  let status = 200;
  let sent = false;
  const response = {
    status(code: number) {
      status = code;
      return response;
    },
    json(value: unknown) {
      sent = true;
      answer(status, value, false);
      return response;
    },
  };
  const request = {
    method: 'POST',
    headers,
    header: (name: string) => {
      const value = headers[name.toLowerCase()];
      return Array.isArray(value) ? value[0] : value;
    },
    rawBody,
    body: (() => {
      try {
        return JSON.parse(rawBody.toString('utf8'));
      } catch {
        return {};
      }
    })(),
    query: {},
    params: {},
  };
  return { request, response, sent: () => sent };
}

const sandboxOptions: NonNullable<Parameters<typeof startSandbox>[0]> = { pipeline: 'manual' };
let endpoint: ReturnType<Harness['webhookEndpoint']>;
const receiver = receiverFor(() => endpoint);
beforeAll(async () => {
  receiver.server.listen(0, '127.0.0.1');
  await once(receiver.server, 'listening');
  const { port } = receiver.server.address() as AddressInfo;
  sandboxOptions.webhook = { url: `http://127.0.0.1:${port}/webhook/gencove`, secret: SECRET };
});
afterAll(() => new Promise<void>((r) => receiver.server.close(() => r())));
const env = useSandboxAndN8n(sandboxOptions);

const waitFor = async (what: string, predicate: () => boolean, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

test('webhook trigger under the sandbox\'s "webhooks" chaos: each event emitted exactly once, none lost', async () => {
  endpoint = env.n8n.webhookEndpoint('gencoveWebhookTrigger', {});
  const { control } = env.sandbox;
  const { items } = await env.n8n.runNode(
    'gencove',
    {
      resource: 'sample',
      operation: 'getAll',
      projectId: env.sandbox.projects.default,
      returnAll: true,
    },
    [],
  );
  const sample = items.find((i) => i.json.client_id === 'SEED-A03-FAIL')!.json.id as string;
  control.setChaos({ seed: 20260105, profile: 'webhooks', label: 'n8n-dedupe' });
  const EVENTS = 24;
  for (let i = 0; i < EVENTS; i++) {
    await control.setSampleStatus(sample, 'failed'); // one signed analysis_complete_v2 each
    await control.advance(1000); // event timestamps grow with the emission order
  }
  const report = control.chaosReport();
  const emitted = report.counts['[n8n-dedupe] webhook analysis_complete_v2'];
  const faults = report.faults.filter((f) => f.target === 'webhook');
  const duplicated = faults.filter((f) => f.fault.type === 'duplicate').length;
  const reordered = faults.filter((f) => f.fault.type === 'reorder').length;
  expect(emitted).toBe(EVENTS);
  // the chaos did happen (seeded: the same every run)
  expect(duplicated).toBeGreaterThan(0);
  expect(reordered).toBeGreaterThan(0);

  await waitFor(
    'every delivery to be answered',
    () =>
      control.webhooks.length === EVENTS + duplicated &&
      control.webhooks.every((d) => d.status !== 0) &&
      receiver.answers.length === EVENTS + duplicated,
  );
  const deliveredIds = control.webhooks.map(
    (d) => (JSON.parse(d.body) as Array<{ event_id: string }>)[0]!.event_id,
  );
  const distinct = [...new Set(deliveredIds)];
  expect(distinct).toHaveLength(EVENTS);
  // out of order: the first deliveries are not in emission (timestamp) order
  const timestampOf = new Map(
    control.webhooks.map((d) => {
      const [e] = JSON.parse(d.body) as Array<{ event_id: string; timestamp: string }>;
      return [e!.event_id, e!.timestamp];
    }),
  );
  const emissionOrder = [...distinct].sort((a, b) =>
    timestampOf.get(a)!.localeCompare(timestampOf.get(b)!),
  );
  expect(distinct).not.toEqual(emissionOrder);

  // every delivery, duplicates included, was answered 200 (so Gencove would stop retrying)
  expect(control.webhooks.map((d) => d.status)).toEqual(deliveredIds.map(() => 200));
  // each distinct event started the workflow exactly once; none was lost
  const emittedIds = receiver.starts.flat().map((item) => item.eventId);
  expect(emittedIds.slice().sort()).toEqual(distinct.slice().sort());
  expect(receiver.starts).toHaveLength(EVENTS);
  // a duplicate's answer started nothing
  const duplicateAnswers = receiver.answers.filter((a) => !a.started);
  expect(duplicateAnswers).toHaveLength(duplicated);
  for (const a of duplicateAnswers) {
    expect(a).toMatchObject({ status: 200, body: { received: 1, duplicates: 1 } });
  }
  // the items are the samples of the events
  for (const start of receiver.starts) {
    expect(start).toEqual([
      expect.objectContaining({
        sampleId: sample,
        status: 'failed',
        eventType: 'analysis_complete_v2',
      }),
    ]);
  }
  // the ids are in the workflow's static data (bounded by the node's defaults)
  const saved = endpoint.savedStaticData()['node:Under Test'] as {
    seenEvents: Array<{ id: string }>;
  };
  expect(saved.seenEvents.map((s) => s.id).sort()).toEqual(distinct.slice().sort());
  control.setChaos(null);
});

describe('webhook trigger dedupe, delivered directly', () => {
  const body = (...ids: string[]) =>
    JSON.stringify(
      ids.map((id, i) => ({
        event_id: id,
        event_type: 'analysis_complete_v2',
        timestamp: '2026-01-05T11:02:44.510210Z',
        payload: {
          project: { id: 'p' },
          samples: [
            { id: `s-${id}-${i}`, client_id: `C-${id}`, last_status: { status: 'succeeded' } },
          ],
        },
      })),
    );
  const post = async (
    point: ReturnType<Harness['webhookEndpoint']>,
    raw: string,
  ): Promise<{ result: IWebhookResponseData; answer?: Answer }> => {
    let answered: Answer | undefined;
    const { request, response } = n8nRequest(
      { 'gencove-signature': signWebhook(SECRET, raw) },
      Buffer.from(raw),
      (status, b, started) => {
        answered = { status, body: b, started, eventIds: [] };
      },
    );
    const result = await point.receive(request, response);
    return { result, ...(answered ? { answer: answered } : {}) };
  };
  const emittedIds = (r: IWebhookResponseData) =>
    r.workflowData?.[0]?.map((i) => i.json.eventId) ?? [];

  test('a body with new and seen events emits only the new ones; all seen → 200, no start', async () => {
    const point = env.n8n.webhookEndpoint('gencoveWebhookTrigger', {});
    expect(emittedIds((await post(point, body('a', 'b'))).result)).toEqual(['a', 'b']);
    expect(emittedIds((await post(point, body('b', 'c', 'c'))).result)).toEqual(['c']);
    const allSeen = await post(point, body('c', 'a'));
    expect(allSeen.result.workflowData).toBeUndefined();
    expect(allSeen.result.noWebhookResponse).toBe(true);
    expect(allSeen.answer).toMatchObject({ status: 200, body: { received: 2, duplicates: 2 } });
  });

  test('concurrent deliveries of one event start the workflow once, and no id is lost', async () => {
    const point = env.n8n.webhookEndpoint('gencoveWebhookTrigger', {});
    const results = await Promise.all([
      post(point, body('x')),
      post(point, body('x')),
      post(point, body('y')),
      post(point, body('x')),
      post(point, body('y')),
    ]);
    expect(results.flatMap((r) => emittedIds(r.result)).sort()).toEqual(['x', 'y']);
    expect(results.filter((r) => r.answer).map((r) => r.answer!.status)).toEqual([200, 200, 200]);
    const saved = point.savedStaticData()['node:Under Test'] as {
      seenEvents: Array<{ id: string }>;
    };
    expect(saved.seenEvents.map((s) => s.id).sort()).toEqual(['x', 'y']);
  });

  test('the bounds are node options; dedupe can be switched off; test events are never deduped', async () => {
    const bounded = env.n8n.webhookEndpoint('gencoveWebhookTrigger', { dedupeMaxEvents: 2 });
    for (const id of ['1', '2', '3'])
      expect(emittedIds((await post(bounded, body(id))).result)).toEqual([id]);
    expect(emittedIds((await post(bounded, body('1'))).result)).toEqual(['1']); // forgotten
    expect(emittedIds((await post(bounded, body('3'))).result)).toEqual([]);
    const saved = bounded.savedStaticData()['node:Under Test'] as { seenEvents: unknown[] };
    expect(saved.seenEvents).toHaveLength(2);

    const off = env.n8n.webhookEndpoint('gencoveWebhookTrigger', { deduplicate: false });
    expect(emittedIds((await post(off, body('z'))).result)).toEqual(['z']);
    expect(emittedIds((await post(off, body('z'))).result)).toEqual(['z']);
    expect(off.savedStaticData()).toEqual({});

    const manual = env.n8n.webhookEndpoint('gencoveWebhookTrigger', {}, 'manual');
    expect(emittedIds((await post(manual, body('t'))).result)).toEqual(['t']);
    expect(emittedIds((await post(manual, body('t'))).result)).toEqual(['t']);
  });
});
