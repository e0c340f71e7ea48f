import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { inlineSha256Stream, sha256Stream, sharedBuffer } from '../src/jobs/download/sha256.js';

const expected = (...parts: Buffer[]) =>
  createHash('sha256').update(Buffer.concat(parts)).digest('hex');

describe('sha256 on the hashing thread', () => {
  it('matches node:crypto for shared and ordinary buffers, fed in order', async () => {
    const a = sharedBuffer(1 << 20);
    randomBytes(a.length).copy(a);
    const b = randomBytes(300_001); // not shared: copied into the message
    const stream = sha256Stream();
    await Promise.all([stream.update(a), stream.update(b), stream.update(a.subarray(7, 70_000))]);
    expect(await stream.digest()).toBe(expected(a, b, a.subarray(7, 70_000)));
  });

  it('keeps interleaved streams apart', async () => {
    const streams = [sha256Stream(), sha256Stream(), inlineSha256Stream()];
    const fed: Buffer[][] = [[], [], []];
    const pending: Promise<void>[] = [];
    for (let round = 0; round < 20; round++) {
      streams.forEach((s, i) => {
        const bytes = sharedBuffer(1000 + round * 13 + i);
        bytes.fill(round * 3 + i);
        fed[i]!.push(Buffer.from(bytes));
        pending.push(s.update(bytes));
      });
    }
    await Promise.all(pending);
    const digests = await Promise.all(streams.map((s) => s.digest()));
    expect(digests).toEqual(fed.map((parts) => expected(...parts)));
  });

  it('an empty stream is the sha256 of nothing; a disposed one leaves the others intact', async () => {
    const dropped = sha256Stream();
    await dropped.update(Buffer.from('partial'));
    dropped.dispose();
    dropped.dispose();
    expect(await sha256Stream().digest()).toBe(expected());
  });

  it('does not keep the process alive once idle', async () => {
    // the thread is unref'd between requests: a child process that hashes once exits by itself
    const { execFileSync } = await import('node:child_process');
    const script = `
      import { sha256Stream } from ${JSON.stringify(new URL('../src/jobs/download/sha256.ts', import.meta.url).pathname)};
      const s = sha256Stream();
      await s.update(Buffer.from('x'));
      console.log(await s.digest());
    `;
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    expect(out.trim()).toBe(expected(Buffer.from('x')));
  });
});
