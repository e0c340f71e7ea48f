import { signWebhook } from '@gencove/core';
import type { IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';
import { expect, test } from 'vitest';
import { useSandboxAndN8n } from './setup.mjs';

const env = useSandboxAndN8n({ pipeline: 'manual' });
const SECRET = 'whsec-test-7f3a';

const seededIds = async () => {
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
  return Object.fromEntries(items.map((i) => [String(i.json.client_id), String(i.json.id)]));
};

test('polling trigger: baseline, then one item per sample reaching a chosen status, deduped', async () => {
  const ids = await seededIds();
  const trigger = env.n8n.poller('gencoveTrigger', {
    projectId: env.sandbox.projects.default,
    statuses: ['succeeded', 'failed qc'],
  });
  expect(await trigger.poll()).toBeNull(); // first poll records what exists
  expect(trigger.staticData().watchState).toMatchObject({
    projectId: env.sandbox.projects.default,
  });

  const target = ids['SEED-A03-FAIL']!;
  await env.sandbox.control.setSampleStatus(target, 'running');
  expect(await trigger.poll()).toBeNull(); // running is not chosen
  await env.sandbox.control.setSampleStatus(target, 'succeeded');
  const fired = await trigger.poll();
  expect(fired?.map((i) => i.json)).toEqual([
    expect.objectContaining({ sampleId: target, status: 'succeeded', previousStatus: 'running' }),
  ]);
  expect(await trigger.poll()).toBeNull(); // the same sample is not emitted twice
});

test('polling trigger: backlog on activation when asked, and a sample item in manual mode', async () => {
  const trigger = env.n8n.poller('gencoveTrigger', {
    projectId: env.sandbox.projects.default,
    statuses: ['failed qc'],
    includeExisting: true,
  });
  const first = await trigger.poll();
  expect(first?.map((i) => i.json.clientId)).toEqual(['SEED-A02-FAILQC']);
  expect(await trigger.poll()).toBeNull();

  const manual = await trigger.poll('manual');
  expect(manual).toHaveLength(1);
  expect(manual![0]!.json).toMatchObject({ clientId: 'SEED-A02-FAILQC', status: 'failed qc' });
});

test('polling trigger: the state saved before a restart of n8n is used after it', async () => {
  const ids = await seededIds();
  const parameters = { projectId: env.sandbox.projects.default, statuses: ['succeeded'] };
  const before = env.n8n.poller('gencoveTrigger', parameters);
  expect(await before.poll()).toBeNull(); // the baseline
  // n8n restarts (or re-activates the workflow): the workflow is built from the static data in
  // its database, which n8n wraps in its change-tracking proxy
  const target = ids['SEED-A02-FAILQC']!;
  await env.sandbox.control.setSampleStatus(target, 'succeeded');
  const after = env.n8n.poller('gencoveTrigger', parameters, {
    savedStaticData: before.savedStaticData(),
  });
  const fired = await after.poll();
  expect(fired?.map((i) => i.json)).toEqual([
    expect.objectContaining({ sampleId: target, status: 'succeeded', previousStatus: 'failed qc' }),
  ]);
  expect(await after.poll()).toBeNull();
});

/** A request and response as n8n's webhook server hands them to the node. */
function delivery(body: string, signature: string | undefined) {
  const res = { statusCode: 200, body: undefined as unknown };
  const response = {
    status(code: number) {
      res.statusCode = code;
      return response;
    },
    json(value: unknown) {
      res.body = value;
      return response;
    },
  };
  const headers: Record<string, string> = signature ? { 'gencove-signature': signature } : {};
  const request = {
    headers,
    header: (name: string) => headers[name.toLowerCase()],
    rawBody: Buffer.from(body),
    body: JSON.parse(body),
    query: {},
    params: {},
  };
  return { request, response, res };
}

async function deliver(body: string, signature: string | undefined, toleranceSeconds = 300) {
  const { request, response, res } = delivery(body, signature);
  const ctx = env.n8n.webhookContext(
    'gencoveWebhookTrigger',
    { toleranceSeconds },
    request,
    response,
  ) as IWebhookFunctions;
  const nodeType = env.n8n.nodeTypes.get('n8n-nodes-gencove.gencoveWebhookTrigger')!;
  const result = (await nodeType.webhook!.call(ctx)) as IWebhookResponseData;
  return { result, res };
}

const event = JSON.stringify([
  {
    event_id: 'bd7b6419-1d7c-408e-b629-a5db5f7b0c93',
    event_type: 'analysis_complete_v2',
    timestamp: '2026-01-05T11:02:44.510210Z',
    payload: {
      project: { id: '75d75eda-5424-4249-9206-60ecef0c55b1' },
      samples: [
        {
          id: '4c0468d4-18dc-471c-9201-2084cd81599b',
          client_id: 'PLT4-A03',
          last_status: { status: 'succeeded' },
        },
        {
          id: '1024c7db-52de-49ff-8ad4-d7fd835cae16',
          client_id: 'PLT4-B07',
          last_status: { status: 'failed qc' },
        },
      ],
    },
  },
]);

test('webhook trigger: a signed delivery starts the workflow with one item per sample', async () => {
  const { result } = await deliver(event, signWebhook(SECRET, event));
  expect(result.noWebhookResponse).toBeUndefined();
  expect(result.workflowData?.[0]?.map((i) => i.json)).toEqual([
    expect.objectContaining({
      eventType: 'analysis_complete_v2',
      sampleId: '4c0468d4-18dc-471c-9201-2084cd81599b',
      clientId: 'PLT4-A03',
      status: 'succeeded',
      projectId: '75d75eda-5424-4249-9206-60ecef0c55b1',
    }),
    expect.objectContaining({
      sampleId: '1024c7db-52de-49ff-8ad4-d7fd835cae16',
      status: 'failed qc',
    }),
  ]);
});

test('webhook trigger: forged, tampered, missing or stale signatures get 401 and start nothing', async () => {
  const now = Math.floor(Date.now() / 1000);
  const cases = [
    signWebhook('not-the-secret', event),
    signWebhook(SECRET, event.replace('succeeded', 'failed')), // body changed after signing
    undefined,
    't=abc',
    signWebhook(SECRET, event, now - 3600), // replayed an hour later
  ];
  for (const signature of cases) {
    const { result, res } = await deliver(event, signature);
    expect(result.workflowData).toBeUndefined();
    expect(result.noWebhookResponse).toBe(true);
    expect(res.statusCode).toBe(401);
  }
  // with the tolerance check off, the old timestamp is accepted
  const old = await deliver(event, signWebhook(SECRET, event, now - 3600), 0);
  expect(old.result.workflowData?.[0]).toHaveLength(2);
});

test('webhook trigger: the delivery the sandbox signs verifies (spec test vector)', async () => {
  const body = '[{"event_id": "a"}]';
  const header =
    't=1767225600,v1=3c1fe524bc3f15ff08bc7b6975d6cc65dd85938d9b6442d8224a94ac9a5f18c3f77bd3b0ba31737defcbda04546355fa81c476320332accdf780ee0fedf7738c';
  const { request, response } = delivery(body, header);
  const ctx = env.n8n.webhookContext(
    'gencoveWebhookTrigger',
    { toleranceSeconds: 0 },
    request,
    response,
  );
  // the spec vector is signed with another secret: the node must reject it with ours…
  const nodeType = env.n8n.nodeTypes.get('n8n-nodes-gencove.gencoveWebhookTrigger')!;
  const result = (await nodeType.webhook!.call(ctx as IWebhookFunctions)) as IWebhookResponseData;
  expect(result.noWebhookResponse).toBe(true);
  // …and core agrees the vector is valid for its own secret
  expect(signWebhook('whsec-demo-7f3a', body, 1767225600)).toBe(header);
});
