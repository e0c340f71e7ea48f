/**
 * Answers slower than the client's timeouts, injected by sandbox chaos (`delay` longer than the
 * timeout). The CLI keeps the spec's long timeouts (120 s API, 60 s transfers), too long for a
 * test, so this runs the core jobs with short ones: the slow attempt times out and is retried,
 * the result is complete and correct.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downloadDeliverables, GencoveClient } from '@gencove/core';
import { type Sandbox, startSandbox } from '@gencove/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let sb: Sandbox;
let root: string;
let sampleId: string;

beforeAll(async () => {
  sb = await startSandbox({ pipeline: 'instant' });
  root = await mkdtemp(join(tmpdir(), 'gencove-timeouts-'));
  const list = await fetch(
    `${sb.url}/api/v2/project-samples/${sb.projects.default}?search=SEED-A01`,
    { headers: { authorization: `Api-Key ${sb.apiKey}` } },
  );
  sampleId = ((await list.json()) as { results: Array<{ id: string }> }).results[0]!.id;
});

afterAll(async () => {
  await sb?.close();
  await rm(root, { recursive: true, force: true });
});

const slowFirst = (operation: string) => ({
  seed: 1,
  profile: {
    name: `slow-first-${operation}`,
    rules: [{ match: { operation }, sequence: [{ type: 'delay' as const, ms: 1500 }] }],
  },
});

describe('answers slower than the client timeout', () => {
  it('an API read times out, is retried, and succeeds', async () => {
    sb.control.setChaos(slowFirst('GET user'));
    sb.control.clearRequests();
    const events: string[] = [];
    const client = new GencoveClient({
      host: sb.url,
      apiKey: sb.apiKey,
      timeoutMs: 300,
      retry: { baseDelayMs: 10 },
      onEvent: (e) => {
        if (e.type === 'retry') events.push(e.reason);
      },
    });
    try {
      expect((await client.getUser()).email).toBe(sb.email);
    } finally {
      await client.close();
      sb.control.setChaos(null);
    }
    expect(events).toEqual(['timeout']);
    const log = sb.control.requests.filter((r) => r.path === '/api/v2/user/');
    expect(log.map((r) => r.fault ?? 'none')).toEqual(['delay', 'none']);
  });

  it('a download GET that stalls past the transfer timeout is fetched again, byte-exact', async () => {
    sb.control.setChaos(slowFirst('GetObject'));
    const client = new GencoveClient({ host: sb.url, apiKey: sb.apiKey });
    const dest = join(root, 'dl');
    try {
      const result = await downloadDeliverables(client, {
        sampleIds: [sampleId],
        fileTypes: ['impute-vcf'],
        destination: dest,
        timeoutMs: 300,
        retry: { baseDelayMs: 10 },
      });
      expect(result.totals).toMatchObject({ downloaded: 1, failed: 0 });
    } finally {
      await client.close();
      sb.control.setChaos(null);
    }
    const snapshot = sb.control.getSample(sampleId)!;
    const file = snapshot.files.find((f) => f.file_type === 'impute-vcf')!;
    const stored = (await sb.control.s3Object(file.bucket, file.key))!;
    const local = await readFile(join(dest, 'SEED-A01', sampleId, file.filename));
    const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(digest(local)).toBe(digest(stored));
    const faults = sb.control.chaosReport().faults.filter((f) => f.operation === 'GetObject');
    expect(faults.map((f) => f.n)).toEqual([0]);
  });
});
