import type { FileHandle } from 'node:fs/promises';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PositionalWriter, writevFully } from '../src/jobs/download/positional-writer.js';

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
  it('writes every byte at its offset and reports the batches in file order', async () => {
    const { path, fd } = await tempFile();
    const seen: Array<[number, number]> = [];
    const writer = new PositionalWriter(
      fd,
      3,
      (position, length) => seen.push([position, length]),
      10,
    );
    await fd.write(Buffer.from('abc'), 0, 3, 0);
    const body = Buffer.from('0123456789'.repeat(7));
    for (let i = 0; i < body.length; i += 7) await writer.write(body.subarray(i, i + 7));
    await writer.flush();
    await fd.close();
    expect((await readFile(path)).toString()).toBe(`abc${body}`);
    expect(seen[0]![0]).toBe(3);
    for (let i = 1; i < seen.length; i++)
      expect(seen[i]![0]).toBe(seen[i - 1]![0] + seen[i - 1]![1]);
    expect(seen.at(-1)![0] + seen.at(-1)![1]).toBe(3 + body.length);
    expect(writer.position).toBe(3 + body.length);
  });

  it('gathers the next batch while one is written, and makes the caller wait only then', async () => {
    const { path, fd } = await tempFile();
    const writer = new PositionalWriter(fd, 0, () => {}, 4);
    expect(writer.write(Buffer.from('ab'))).toBeUndefined();
    expect(writer.write(Buffer.from('cd'))).toBeUndefined(); // batch 1 goes to the file
    expect(writer.write(Buffer.from('ef'))).toBeUndefined(); // gathered meanwhile
    const wait = writer.write(Buffer.from('gh')); // batch 2 is full while batch 1 is in flight
    expect(wait).toBeInstanceOf(Promise);
    await wait;
    await writer.flush();
    await fd.close();
    expect((await readFile(path)).toString()).toBe('abcdefgh');
  });

  it('batches stay in order when a flush does not wait for the write before it', async () => {
    const { path, fd } = await tempFile();
    const seen: number[] = [];
    const writer = new PositionalWriter(fd, 0, (position) => seen.push(position), 2);
    writer.write(Buffer.from('ab'));
    const waiting = writer.write(Buffer.from('cd')); // must wait for 'ab'
    expect(waiting).toBeInstanceOf(Promise);
    writer.write(Buffer.from('e')); // not awaited: the caller gave up (a failed transfer)
    await writer.flush();
    await waiting;
    await fd.close();
    expect(seen).toEqual([0, 2]); // 'cde' went as one batch
    expect((await readFile(path)).toString()).toBe('abcde');
  });

  it('a failed write surfaces at the next write or flush', async () => {
    const { fd } = await tempFile();
    const writer = new PositionalWriter(fd, 0, () => {}, 4);
    await fd.close(); // every later write fails (EBADF)
    writer.write(Buffer.from('aaaa'));
    await expect(writer.flush()).rejects.toThrow();
  });

  it('writevFully finishes partial writes, across and inside chunks', async () => {
    const file = Buffer.alloc(20, '.');
    const calls: number[] = [];
    const fake = {
      // At most 3 bytes per call, as a positional write may do.
      writev: async (chunks: Buffer[], position: number) => {
        const bytes = Buffer.concat(chunks).subarray(0, 3);
        bytes.copy(file, position);
        calls.push(position);
        return { bytesWritten: bytes.length, buffers: chunks };
      },
    } as unknown as FileHandle;
    await writevFully(fake, [Buffer.from('ab'), Buffer.from('cdefg'), Buffer.from('h')], 5);
    expect(file.toString()).toBe('.....abcdefgh.......');
    expect(calls).toEqual([5, 8, 11]);
  });
});
