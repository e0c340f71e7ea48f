import { randomUUID } from 'node:crypto';
import { rmdirSync, unlinkSync } from 'node:fs';
import { access, mkdir, rm, rmdir, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { AbortError } from '../../errors.js';
import { lockPath } from './part-state.js';

/** A lock not refreshed for this long belongs to a run that is gone, and is taken over. */
export const TARGET_LOCK_STALE_MS = 60_000;
const REFRESH_MS = TARGET_LOCK_STALE_MS / 4;
const WAIT_POLL_MS = 2_000;

export interface TargetLock {
  /** Aborted if the lock was taken from this process (it stalled past the stale time). */
  readonly lost: AbortSignal;
  /** Rejects (TargetLockLostError) unless the lock is still this process's: check before committing. */
  stillHeld(): Promise<void>;
  release(): Promise<void>;
}

/** The holder no longer owns the file's lock: another run may be delivering it now. */
export class TargetLockLostError extends Error {
  readonly code = 'ERR_GENCOVE_LOCK_LOST';
  constructor(target: string) {
    super(
      `The lock on ${target} was taken over by another gencove process while this one was ` +
        'stalled; this run left the file to it. Re-run to check it.',
    );
    this.name = 'TargetLockLostError';
  }
}

/**
 * Holds `<target>.part.lock` while this process delivers `target`. Two runs into the same
 * directory (a nightly job still running when the next one starts) would otherwise write the
 * same `.part`, and one could rename it into place while the other was still writing into it.
 * A run that finds the file locked calls `onWait` once and waits, then decides afresh (usually:
 * the file is there, skipped).
 *
 * A directory made with `mkdir` (atomic on local disks and NFS), its mtime refreshed while held;
 * a lock not refreshed for {@link TARGET_LOCK_STALE_MS} (its run was killed) is taken over,
 * one taker at a time. Not
 * proper-lockfile: it loads signal-exit, whose signal handlers re-raise SIGINT / SIGHUP in a
 * process that listens with `once` (the GitHub Action's cancel handler) and defeat `nohup`.
 */
export async function lockTarget(
  target: string,
  options: { signal: AbortSignal; onWait: () => void; refreshMs?: number },
): Promise<TargetLock> {
  const dir = lockPath(target);
  await mkdir(dirname(target), { recursive: true });
  let waiting = false;
  for (;;) {
    if (options.signal.aborted) throw new AbortError();
    try {
      await mkdir(dir);
      // The owner's mark inside: inode numbers are reused at once, a random name is not.
      const mark = join(dir, `owner-${process.pid}-${randomUUID()}`);
      await writeFile(mark, '').catch(async (error: unknown) => {
        // (a full disk) no half-made lock for the next run to wait on
        await rm(dir, { recursive: true, force: true });
        throw error;
      });
      return hold(target, dir, mark, options.refreshMs ?? REFRESH_MS);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (await takeOverIfStale(dir)) continue;
    if (!waiting) {
      waiting = true;
      options.onWait();
    }
    try {
      await delay(WAIT_POLL_MS, undefined, { signal: options.signal });
    } catch {
      throw new AbortError();
    }
  }
}

/** A take-over in progress for longer than this was abandoned (its process died mid-way). */
const TAKEOVER_STALE_MS = 10_000;

/**
 * True when the lock is gone, or was stale and has been removed (try `mkdir` again). Take-overs
 * are serialised by `<lock>.t` (an exclusive `mkdir`): under it the age is checked again, so of
 * several runs that saw the same stale lock only one removes it, and never a fresh one.
 */
async function takeOverIfStale(dir: string): Promise<boolean> {
  const seen = await stat(dir).catch(() => undefined);
  if (!seen) return true;
  if (Date.now() - seen.mtimeMs < TARGET_LOCK_STALE_MS) return false;
  const guard = `${dir}.t`;
  try {
    await mkdir(guard);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return false;
    const other = await stat(guard).catch(() => undefined);
    if (other && Date.now() - other.mtimeMs > TAKEOVER_STALE_MS) {
      await rm(guard, { recursive: true, force: true }).catch(() => {});
    }
    return false;
  }
  try {
    const now = await stat(dir).catch(() => undefined);
    if (!now) return true;
    if (Date.now() - now.mtimeMs < TARGET_LOCK_STALE_MS) return false;
    await rm(dir, { recursive: true, force: true });
    return true;
  } catch {
    return false;
  } finally {
    await rm(guard, { recursive: true, force: true }).catch(() => {});
  }
}

/** Our own lock only: the mark goes first, and a directory holding another's mark stays. */
async function removeOwn(dir: string, mark: string): Promise<void> {
  try {
    await unlink(mark);
  } catch {
    return;
  }
  await rmdir(dir).catch(() => {});
}

/** Locks this process holds (by mark), removed if it exits without releasing them. */
const held = new Map<string, string>();
let exitHook = false;

function hold(target: string, dir: string, mark: string, refreshMs: number): TargetLock {
  const lost = new AbortController();
  held.set(mark, dir);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const [ownMark, ownDir] of held) {
        try {
          unlinkSync(ownMark);
          rmdirSync(ownDir);
        } catch {
          // not ours any more, or already gone
        }
      }
    });
  }
  const ours = () =>
    access(mark).then(
      () => true,
      () => false,
    );
  const timer = setInterval(() => {
    void (async () => {
      if (await ours()) {
        const now = new Date();
        await utimes(dir, now, now).catch(() => {});
      } else if (!lost.signal.aborted) {
        held.delete(mark);
        clearInterval(timer);
        lost.abort(new TargetLockLostError(target));
      }
    })();
  }, refreshMs);
  timer.unref();
  return {
    lost: lost.signal,
    stillHeld: async () => {
      if (!lost.signal.aborted && !(await ours())) lost.abort(new TargetLockLostError(target));
      if (lost.signal.aborted) throw lost.signal.reason;
    },
    release: async () => {
      clearInterval(timer);
      if (!held.delete(mark)) return;
      await removeOwn(dir, mark);
    },
  };
}
