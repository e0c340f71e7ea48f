import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MANUAL_STEP_MS,
  type Sandbox,
  signWebhook,
  startSandbox,
  webhookSignatureHeader,
} from '../src/index.js';
import { api, fastq, uploadAndAssign } from './helpers.js';

const SECRET = 'whsec-test-1234';

interface Received {
  signature: string;
  body: string;
}

let sb: Sandbox;
let receiver: http.Server;
const received: Received[] = [];
let waiters: (() => void)[] = [];

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        signature: String(req.headers['gencove-signature']),
        body: Buffer.concat(chunks).toString(),
      });
      res.writeHead(200);
      res.end('ok');
      for (const w of waiters) w();
      waiters = [];
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const port = (receiver.address() as AddressInfo).port;
  sb = await startSandbox({
    pipeline: 'manual',
    webhook: { url: `http://127.0.0.1:${port}/hooks`, secret: SECRET },
  });
});
afterAll(async () => {
  await sb?.close();
  receiver.closeAllConnections();
  await new Promise((r) => receiver.close(r));
});

async function waitFor(count: number): Promise<void> {
  while (received.length < count) await new Promise<void>((r) => waiters.push(r));
}

function verify(header: string, body: string, secret: string): boolean {
  const parts = Object.fromEntries(
    header.split(',').map((p) => p.trim().split('=') as [string, string]),
  );
  const expected = createHmac('sha512', secret).update(`${parts.t}.${body}`).digest('hex');
  return parts.v1 === expected;
}

describe('webhook signatures', () => {
  it('matches the spec test vector', () => {
    expect(signWebhook('whsec-demo-7f3a', 1767225600, '[{"event_id": "a"}]')).toBe(
      '3c1fe524bc3f15ff08bc7b6975d6cc65dd85938d9b6442d8224a94ac9a5f18c3f77bd3b0ba31737defcbda04546355fa81c476320332accdf780ee0fedf7738c',
    );
    expect(webhookSignatureHeader('whsec-demo-7f3a', 1767225600, '[{"event_id": "a"}]')).toMatch(
      /^t=1767225600,v1=3c1fe524/,
    );
  });
});

describe('webhook delivery', () => {
  it('analysis_complete_v2 is POSTed, signed, when samples finish', async () => {
    const ids = await uploadAndAssign(sb, sb.projects.default, 'hook', {
      'H1_R1.fastq.gz': fastq(3),
      'H2FAILQC_R1.fastq.gz': fastq(3),
    });
    await sb.control.advance(2 * MANUAL_STEP_MS);
    await waitFor(1);
    const { signature, body } = received[0]!;
    expect(verify(signature, body, SECRET)).toBe(true);
    expect(verify(signature, body, 'wrong')).toBe(false);
    const events = JSON.parse(body);
    expect(Array.isArray(events)).toBe(true);
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event).toMatchObject({
      event_type: 'analysis_complete_v2',
      payload: { project: { id: sb.projects.default } },
    });
    expect(typeof event.event_id).toBe('string');
    expect(typeof event.timestamp).toBe('string');
    const statuses = Object.fromEntries(
      event.payload.samples.map((s: { id: string; last_status: { status: string } }) => [
        s.id,
        s.last_status.status,
      ]),
    );
    expect(statuses).toEqual({ [ids.H1!]: 'succeeded', [ids.H2FAILQC!]: 'failed qc' });
    while (sb.control.webhooks[0]?.status === 0) await new Promise((r) => setTimeout(r, 5));
    expect(sb.control.webhooks[0]).toMatchObject({
      event_type: 'analysis_complete_v2',
      status: 200,
    });
  });

  it('samples_restored is emitted when a restore completes', async () => {
    const list = await api(
      sb,
      'GET',
      `/api/v2/project-samples/${sb.projects.default}?archive_status=archived`,
    );
    const id = list.body.results[0].id;
    const before = received.length;
    await api(sb, 'POST', `/api/v2/project-restore-samples/${sb.projects.default}`, {
      sample_ids: [id],
    });
    await sb.control.completeRestores();
    await waitFor(before + 1);
    const events = JSON.parse(received[before]!.body);
    expect(events[0].event_type).toBe('samples_restored');
    expect(events[0].payload.samples.map((s: { id: string }) => s.id)).toEqual([id]);
    expect(verify(received[before]!.signature, received[before]!.body, SECRET)).toBe(true);
  });

  it('a dead receiver is recorded, never fatal', async () => {
    const dead = http.createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise((r) => dead.close(r));
    const lonely = await startSandbox({
      pipeline: 'instant',
      webhook: { url: `http://127.0.0.1:${port}/`, secret: 's' },
    });
    try {
      await uploadAndAssign(lonely, lonely.projects.empty, 'dead', { 'D1_R1.fastq.gz': fastq(1) });
      while (lonely.control.webhooks.some((d) => d.status === 0 && !d.error))
        await new Promise((r) => setTimeout(r, 10));
      expect(lonely.control.webhooks).toHaveLength(1);
      expect(lonely.control.webhooks[0]!.error).toBeDefined();
      expect((await api(lonely, 'GET', '/api/v2/user/')).status).toBe(200);
    } finally {
      await lonely.close();
    }
  });

  it('refuses non-loopback webhook URLs', async () => {
    await expect(
      startSandbox({ webhook: { url: 'https://hooks.example.com/x', secret: 's' } }),
    ).rejects.toThrow(/loopback/);
  });
});
