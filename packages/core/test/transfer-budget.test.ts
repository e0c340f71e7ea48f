import { describe, expect, it } from 'vitest';
import { TransferBudget } from '../src/transfer/budget.js';
import { WeightedSemaphore } from '../src/transfer/weighted-semaphore.js';

describe('WeightedSemaphore', () => {
  it('never lets the weight in use exceed its capacity and serves waiters in order', async () => {
    const sem = new WeightedSemaphore(10);
    const order: number[] = [];
    let peak = 0;
    await Promise.all(
      [6, 6, 3, 10, 1].map(async (weight, i) => {
        const release = await sem.acquire(weight);
        order.push(i);
        peak = Math.max(peak, sem.inUse);
        await new Promise((r) => setImmediate(r));
        release();
      }),
    );
    expect(peak).toBeLessThanOrEqual(10);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(sem.inUse).toBe(0);
  });

  it('clamps an oversized request to the capacity instead of deadlocking', async () => {
    const sem = new WeightedSemaphore(4);
    const release = await sem.acquire(100);
    expect(sem.inUse).toBe(4);
    release();
    release();
    expect(sem.inUse).toBe(0);
  });

  it('rejects a waiter whose signal aborts and gives its place to the next', async () => {
    const sem = new WeightedSemaphore(1);
    const hold = await sem.acquire(1);
    const controller = new AbortController();
    const aborted = sem.acquire(1, controller.signal);
    const next = sem.acquire(1);
    controller.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
    hold();
    const releaseNext = await next;
    expect(sem.inUse).toBe(1);
    releaseNext();
  });
});

describe('TransferBudget', () => {
  it('bounds connections and buffered bytes across concurrent tasks', async () => {
    const budget = new TransferBudget({ maxConnections: 3, maxBufferBytes: 1000 });
    let connections = 0;
    let bytes = 0;
    let peakConnections = 0;
    let peakBytes = 0;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        budget.run(100 + i * 10, async () => {
          connections += 1;
          bytes += 100 + i * 10;
          peakConnections = Math.max(peakConnections, connections);
          peakBytes = Math.max(peakBytes, bytes);
          await new Promise((r) => setTimeout(r, 1));
          connections -= 1;
          bytes -= 100 + i * 10;
        }),
      ),
    );
    expect(peakConnections).toBe(3);
    expect(peakBytes).toBeLessThanOrEqual(1000);
    expect(budget.connections.inUse).toBe(0);
    expect(budget.memory.inUse).toBe(0);
  });
});
