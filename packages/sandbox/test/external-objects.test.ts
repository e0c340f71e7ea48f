import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../src/index.js';
import type { Sandbox } from '../src/types.js';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ pipeline: 'manual' });
});

afterAll(async () => {
  await sandbox?.close();
});

describe('control.putExternalObject', () => {
  it('stores bytes in the lab bucket and returns a working presigned URL', async () => {
    const body = Buffer.from('@r1\nACGT\n+\nIIII\n');
    const url = await sandbox.control.putExternalObject('runs/S1_R1.fastq.gz', body);
    expect(url.startsWith(`${sandbox.s3Url}/${sandbox.control.buckets.external}/runs/`)).toBe(true);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(body);
  });

  it('honours a short lifetime', async () => {
    const url = await sandbox.control.putExternalObject('old/S2_R1.fastq.gz', Buffer.from('x'), -1);
    const response = await fetch(url);
    await response.arrayBuffer();
    expect(response.status).toBe(403);
  });
});
