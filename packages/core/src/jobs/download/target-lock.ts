import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { lockPath } from './part-state.js';

// proper-lockfile: a lock directory (atomic on local disks and NFS, where labs often deliver)
// refreshed while held, so that a lock left by a killed run goes stale instead of blocking.
// Loaded on first use: it hooks process exit and signals (to remove held locks), which only
// disk deliveries need.
const loadLockfile = async () => (await import('proper-lockfile')).default;

/** A lock not refreshed for this long belongs to a run that is gone, and is taken over. */
export const TARGET_LOCK_STALE_MS = 60_000;
const WAIT_POLL_MS = 2_000;

/**
 * Holds `<target>.part.lock` while this process delivers `target`. Two runs into the same
 * directory (a nightly job still running when the next one starts) would otherwise write the
 * same `.part`, and one could rename it into place while the other was still writing into it.
 * A run that finds the file locked calls `onWait` once and waits, then decides afresh (usually:
 * the file is there, skipped). Resolves with the release function.
 */
export async function lockTarget(
  target: string,
  options: { signal: AbortSignal; onWait: () => void },
): Promise<() => Promise<void>> {
  const lockfile = await loadLockfile();
  await mkdir(dirname(target), { recursive: true });
  let waiting = false;
  for (;;) {
    options.signal.throwIfAborted();
    try {
      const release = await lockfile.lock(target, {
        realpath: false,
        lockfilePath: lockPath(target),
        stale: TARGET_LOCK_STALE_MS,
        update: TARGET_LOCK_STALE_MS / 4,
        retries: 0,
        // Lost only when this process could not refresh it for a minute (suspended); the
        // transfer's own checks (ETag, size, sha256) still guard what is renamed into place.
        onCompromised: () => {},
      });
      return () => release().catch(() => {});
    } catch (error) {
      if ((error as { code?: string }).code !== 'ELOCKED') throw error;
      if (!waiting) {
        waiting = true;
        options.onWait();
      }
      await delay(WAIT_POLL_MS, undefined, { signal: options.signal });
    }
  }
}
