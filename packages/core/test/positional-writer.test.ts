import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PositionalWriter, WRITE_BUFFER_BYTES } from '../src/jobs/download/positional-writer.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function tempFile() {
  const dir = await mkdtemp(join(tmpdir(), 'gencove-writer-'));
  dirs.push(dir);
  const path = join(dir, 'f.part');
  return { path, fd: await open(path, 'w+') };
}

describe('PositionalWriter', () => {
  it('writes every byte at its offset and hands batches over in file order', async () => {
    const { path, fd } = await tempFile();
    const seen: Array<[number, number]> = [];
    const writer = new PositionalWriter(
      fd,
      3,
      async (batch, end) => {
        // a slow consumer must not reorder or drop batches
        await new Promise((r) => setTimeout(r, 2));
        seen.push([end - batch.length, end]);
      },
      10,
    );
    await fd.write(Buffer.from('abc'), 0, 3, 0);
    const body = Buffer.from('0123456789'.repeat(7));
    for (let i = 0; i < body.length; i += 7) await writer.write(body.subarray(i, i + 7));
    await writer.flush();
    await fd.close();
    expect((await readFile(path)).toString()).toBe(`abc${body}`);
    expect(seen[0]![0]).toBe(3);
    for (let i = 1; i < seen.length; i++) expect(seen[i]![0]).toBe(seen[i - 1]![1]);
    expect(seen.at(-1)![1]).toBe(3 + body.length);
  });

  it('gathers the next batch while the previous one is still being handed over', async () => {
    const { fd } = await tempFile();
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let batches = 0;
    const writer = new PositionalWriter(
      fd,
      0,
      async () => {
        batches++;
        if (batches === 1) await gate;
      },
      4,
    );
    await writer.write(Buffer.from('aaaa')); // batch 1 starts and blocks in onBatch
    await writer.write(Buffer.from('bb')); // returns although batch 1 is still in flight
    expect(batches).toBe(1);
    release();
    await writer.flush();
    expect(batches).toBe(2);
    await fd.close();
  });

  it('a failed write surfaces at the next write or flush', async () => {
    const { fd } = await tempFile();
    const writer = new PositionalWriter(fd, 0, async () => {}, 4);
    await fd.close(); // every later write fails (EBADF)
    await writer.write(Buffer.from('aaaa'));
    await expect(writer.flush()).rejects.toThrow();
  });

  it('hands its buffers to the next writer once released, never while a batch is in flight', async () => {
    const { path, fd } = await tempFile();
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let intact: boolean | undefined;
    const first = new PositionalWriter(
      fd,
      0,
      async (batch) => {
        await gate; // e.g. the hashing thread still reading the batch
        intact = batch.every((b) => b === 1);
      },
      WRITE_BUFFER_BYTES,
    );
    await first.write(Buffer.alloc(WRITE_BUFFER_BYTES, 1)); // batch in flight, held by the gate
    const released = first.release();
    // while the batch is held, a new writer must get other memory than the held batch
    const second = new PositionalWriter(fd, WRITE_BUFFER_BYTES, async () => {}, WRITE_BUFFER_BYTES);
    await second.write(Buffer.alloc(WRITE_BUFFER_BYTES, 2));
    await second.flush();
    release();
    await released;
    expect(intact).toBe(true);
    expect(() => first.write(Buffer.from('x'))).toThrow(/after release/);
    await second.release();
    await fd.close();
    const bytes = await readFile(path);
    expect(bytes.subarray(0, WRITE_BUFFER_BYTES).every((b) => b === 1)).toBe(true);
    expect(bytes.subarray(WRITE_BUFFER_BYTES).every((b) => b === 2)).toBe(true);
  });
});
