import { PassThrough } from 'node:stream';
import type { WatchEvent } from '@gencove/core';
import { describe, expect, it } from 'vitest';
import type { Io } from '../src/io.js';
import { formatDuration, LiveWaitTable, PlainWaitLog } from '../src/render/wait-table.js';

function fakeIo(isTTY: boolean): { io: Io; err: () => string } {
  const stderr = Object.assign(new PassThrough(), { isTTY, columns: 60 });
  let text = '';
  stderr.on('data', (c) => {
    text += String(c);
  });
  const io = {
    stdout: new PassThrough(),
    stderr,
    stdin: new PassThrough(),
    env: {},
  } as unknown as Io;
  return { io, err: () => text };
}

const at = '2026-01-05T09:00:05.000Z';
const poll = (
  counts: Record<string, number>,
  changes: number,
  next: number | null,
): WatchEvent => ({
  type: 'poll',
  mode: 'full',
  requests: 1,
  totalRequests: 3,
  changes,
  counts,
  archived: 0,
  total: Object.values(counts).reduce((a, b) => a + b, 0),
  pending: counts.running ?? 0,
  nextPollInMs: next,
  elapsedMs: 5000,
  at,
});
const change = (clientId: string, from: string | null, to: string): WatchEvent => ({
  type: 'status',
  sampleId: '4c0468d4-18dc-471c-9201-2084cd81599b',
  clientId,
  status: to,
  previousStatus: from,
  archiveStatus: 'available',
  previousArchiveStatus: from === null ? null : 'available',
  at,
});

describe('wait progress renderers', () => {
  it('formats durations compactly', () => {
    expect([0, 4_400, 65_000, 3_600_000 + 120_000].map(formatDuration)).toEqual([
      '0s',
      '4s',
      '1m05s',
      '1h02m',
    ]);
  });

  it('redraws a table in place on a terminal, with counts, requests and the next poll', () => {
    const { io, err } = fakeIo(true);
    const table = new LiveWaitTable(io, 'Waiting for all samples of project P');
    table.event(change('PLT-A01', null, 'running'));
    table.event(poll({ running: 2, succeeded: 1 }, 1, 25_000));
    table.event(change('PLT-A01', 'running', 'succeeded'));
    table.event({
      type: 'poll-error',
      code: 'ERR_GENCOVE_SERVER',
      message: 'x',
      consecutiveFailures: 1,
      retryInMs: 5000,
      at,
    });
    table.stop();
    table.stop();
    const out = err();
    expect(out).toMatch(/\x1b\[\d+A\x1b\[0J/); // cursor up + clear: redraw in place
    expect(out).toMatch(/running\s+2/);
    expect(out).toMatch(/succeeded\s+1/);
    expect(out).toMatch(/3 samples · 2 pending/);
    expect(out).toMatch(/elapsed \d+s · next poll in (24|25)s · 3 requests/);
    expect(out).toMatch(/last change: 09:00:05 PLT-A01 \(4c0468d4-[0-9a-f-]*…/); // cut to 60 columns
    expect(out).toMatch(/WARNING: last poll failed \(ERR_GENCOVE_SERVER\), retrying/);
    for (const line of out.split(/\n|\x1b\[0J/))
      expect(line.replace(/\x1b\[\d*[A-Za-z]|\r/g, '').length).toBeLessThanOrEqual(60);
  });

  it('writes plain lines without escape codes elsewhere: counts first, then changes', () => {
    const { io, err } = fakeIo(false);
    const log = new PlainWaitLog(io);
    log.event(change('PLT-A01', null, 'running'));
    log.event(poll({ running: 1 }, 1, 5000));
    log.event(change('PLT-A01', 'running', 'failed qc'));
    log.event(poll({ 'failed qc': 1 }, 1, null));
    log.event({ type: 'missing', sampleId: null, clientId: 'NOPE', reason: 'not-found', at });
    log.event({
      type: 'poll-error',
      code: 'ERR_GENCOVE_NETWORK',
      message: 'socket hang up',
      consecutiveFailures: 2,
      retryInMs: 10_000,
      at,
    });
    expect(err().split('\n')).toEqual([
      `${at} 1 samples: 1 running`,
      `${at} PLT-A01 (4c0468d4-18dc-471c-9201-2084cd81599b): running -> failed qc`,
      `${at} 1 samples: 1 failed qc`,
      'WARNING: NOPE (no sample) is not found',
      'WARNING: poll failed (ERR_GENCOVE_NETWORK): socket hang up; retrying in 10s',
      '',
    ]);
  });
});
