import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WriteBehindSync } from '../src/jobs/download/write-behind-sync.js';

const dirs: string[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function tempFile() {
  const dir = await mkdtemp(join(tmpdir(), 'gencove-sync-'));
  dirs.push(dir);
  return open(join(dir, 'f.part'), 'w+');
}

describe('WriteBehindSync', () => {
  it('flushes in the background every N bytes, one flush at a time, and fsyncs at the end', async () => {
    const fd = await tempFile();
    let release: () => void = () => {};
    const datasync = vi
      .spyOn(fd, 'datasync')
      .mockImplementation(() => new Promise<void>((resolve) => (release = resolve)));
    const sync = vi.spyOn(fd, 'sync');
    const flusher = new WriteBehindSync(fd, 100);
    flusher.written(60);
    expect(datasync).not.toHaveBeenCalled();
    flusher.written(60);
    expect(datasync).toHaveBeenCalledTimes(1);
    // Still in flight: more bytes wait for the next one instead of starting a second flush.
    flusher.written(500);
    expect(datasync).toHaveBeenCalledTimes(1);
    release();
    await new Promise((r) => setImmediate(r));
    flusher.written(100);
    expect(datasync).toHaveBeenCalledTimes(2);
    const finished = flusher.finish();
    await new Promise((r) => setImmediate(r));
    expect(sync).not.toHaveBeenCalled();
    release();
    await finished;
    expect(sync).toHaveBeenCalledTimes(1);
    await fd.close();
  });

  it('reports a failed background flush at finish, even when the final fsync succeeds', async () => {
    const fd = await tempFile();
    const eio = Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    vi.spyOn(fd, 'datasync').mockRejectedValueOnce(eio);
    const sync = vi.spyOn(fd, 'sync');
    const flusher = new WriteBehindSync(fd, 10);
    flusher.written(10);
    await expect(flusher.finish()).rejects.toBe(eio);
    expect(sync).not.toHaveBeenCalled();
    await fd.close();
  });

  it('with 0 leaves everything to the final fsync', async () => {
    const fd = await tempFile();
    const datasync = vi.spyOn(fd, 'datasync');
    const flusher = new WriteBehindSync(fd, 0);
    flusher.written(1 << 30);
    await flusher.finish();
    expect(datasync).not.toHaveBeenCalled();
    await fd.close();
  });

  it('settle() waits for a flush in flight and never throws', async () => {
    const fd = await tempFile();
    vi.spyOn(fd, 'datasync').mockRejectedValueOnce(new Error('EIO'));
    const flusher = new WriteBehindSync(fd, 1);
    flusher.written(1);
    await expect(flusher.settle()).resolves.toBeUndefined();
    await fd.close();
  });
});
