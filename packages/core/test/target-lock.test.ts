import { mkdir, mkdtemp, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AbortError } from '../src/errors.js';
import { lockTarget, TargetLockLostError } from '../src/jobs/download/target-lock.js';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
const target = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gencove-lock-'));
  dirs.push(dir);
  return join(dir, 'sub', 'x.bam');
};
const never = new AbortController().signal;
const lockOf = (path: string) => `${path}.part.lock`;

describe('the per-file lock', () => {
  it('makes a second holder wait until the first releases', async () => {
    const path = await target();
    const first = await lockTarget(path, { signal: never, onWait: () => {} });
    expect((await stat(lockOf(path))).isDirectory()).toBe(true);
    let waited = 0;
    let acquired = false;
    const second = lockTarget(path, { signal: never, onWait: () => waited++ }).then((lock) => {
      acquired = true;
      return lock;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(waited).toBe(1);
    expect(acquired).toBe(false);
    await first.release();
    const lock = await second;
    expect(acquired).toBe(true);
    await lock.release();
    await expect(stat(lockOf(path))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('an interrupt while waiting is the job interruption (ERR_GENCOVE_ABORTED)', async () => {
    const path = await target();
    const first = await lockTarget(path, { signal: never, onWait: () => {} });
    const controller = new AbortController();
    const waiting = lockTarget(path, { signal: controller.signal, onWait: () => {} });
    setTimeout(() => controller.abort(), 100);
    const error = await waiting.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect(error).toMatchObject({ code: 'ERR_GENCOVE_ABORTED' });
    await first.release();
  });

  it('takes over a lock nobody refreshed for a minute, at once', async () => {
    const path = await target();
    await mkdir(lockOf(path), { recursive: true });
    const old = new Date(Date.now() - 5 * 60_000);
    await utimes(lockOf(path), old, old);
    let waited = 0;
    const lock = await lockTarget(path, { signal: never, onWait: () => waited++ });
    expect(waited).toBe(0);
    expect(Date.now() - (await stat(lockOf(path))).mtimeMs).toBeLessThan(10_000);
    await lock.release();
  });

  it('refreshes a held lock, and tells its holder when another took it', async () => {
    const path = await target();
    const lock = await lockTarget(path, { signal: never, onWait: () => {}, refreshMs: 20 });
    const old = new Date(Date.now() - 5 * 60_000);
    await utimes(lockOf(path), old, old);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(Date.now() - (await stat(lockOf(path))).mtimeMs).toBeLessThan(10_000);
    expect(lock.lost.aborted).toBe(false);
    // another run's lock in its place (this one had stalled)
    await rm(lockOf(path), { recursive: true });
    await mkdir(lockOf(path));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lock.lost.aborted).toBe(true);
    expect(lock.lost.reason).toBeInstanceOf(TargetLockLostError);
    await expect(lock.stillHeld()).rejects.toBeInstanceOf(TargetLockLostError);
    // releasing a lost lock leaves the other run's lock alone
    await lock.release();
    expect((await stat(lockOf(path))).isDirectory()).toBe(true);
  });

  it('of two runs that find the same stale lock, one takes it and the other waits', async () => {
    const path = await target();
    await mkdir(lockOf(path), { recursive: true });
    const old = new Date(Date.now() - 5 * 60_000);
    await utimes(lockOf(path), old, old);
    const waits = [0, 0];
    const runs = [0, 1].map((i) =>
      lockTarget(path, { signal: never, onWait: () => waits[i]!++ }).then((lock) => ({ i, lock })),
    );
    const first = await Promise.race(runs);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(waits[first.i]).toBe(0);
    expect(waits[1 - first.i]).toBe(1);
    await expect(first.lock.stillHeld()).resolves.toBeUndefined();
    await first.lock.release();
    const second = await runs[1 - first.i]!;
    await second.lock.release();
  });

  it('takes over a stale lock of the longest file name without spinning', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gencove-lock-'));
    dirs.push(dir);
    const path = join(dir, `${'n'.repeat(237)}.bam`);
    await mkdir(lockOf(path));
    const old = new Date(Date.now() - 5 * 60_000);
    await utimes(lockOf(path), old, old);
    const lock = await lockTarget(path, { signal: AbortSignal.timeout(3000), onWait: () => {} });
    await lock.release();
  });
});
