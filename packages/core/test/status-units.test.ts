import { describe, expect, it } from 'vitest';
import {
  analysisPhase,
  formatAssignmentOutput,
  InvalidArgumentError,
  isArchivedStatus,
  isKnownAnalysisStatus,
  normalizeSelector,
  selectorFromAssignmentOutput,
} from '../src/index.js';
import { PollSchedule } from '../src/jobs/status/schedule.js';
import { TokenBucket } from '../src/jobs/status/token-bucket.js';

const P = '75d75eda-5424-4249-9206-60ecef0c55b1';
const S1 = '4c0468d4-18dc-471c-9201-2084cd81599b';
const S2 = '1024c7db-52de-49ff-8ad4-d7fd835cae16';

describe('status vocabulary (spec §1.9)', () => {
  it('maps the final statuses, case-insensitively, and everything else to in-progress', () => {
    expect(analysisPhase('succeeded')).toBe('succeeded');
    expect(analysisPhase('failed qc')).toBe('failed-qc');
    expect(analysisPhase('Failed QC')).toBe('failed-qc');
    expect(analysisPhase('failed_qc')).toBe('failed-qc');
    expect(analysisPhase('failed')).toBe('failed');
    expect(analysisPhase('failed upload')).toBe('failed');
    for (const s of ['created', 'running', 'queued', 'whatever', '', null, undefined]) {
      expect(analysisPhase(s)).toBe('in-progress');
    }
    expect(isKnownAnalysisStatus('running')).toBe(true);
    expect(isKnownAnalysisStatus('queued')).toBe(false);
    expect(isArchivedStatus('archived')).toBe(true);
    expect(isArchivedStatus('restore_requested')).toBe(true);
    expect(isArchivedStatus('restored')).toBe(false);
    expect(isArchivedStatus(null)).toBe(false);
  });
});

describe('PollSchedule', () => {
  const options = { minIntervalMs: 5000, maxIntervalMs: 300_000, factor: 1.5 };

  it('grows ×1.5 while nothing changes, caps at the maximum and resets on change', () => {
    const s = new PollSchedule({ ...options, random: () => 0.999999 });
    const delays = Array.from({ length: 14 }, () => s.afterPoll(false));
    expect(delays.slice(0, 3)).toEqual([7499, 11249, 16874]);
    expect(Math.max(...delays)).toBeLessThanOrEqual(300_000);
    expect(delays.at(-1)).toBe(299_999);
    expect(s.afterPoll(true)).toBe(5000);
    expect(s.state.intervalMs).toBe(5000);
  });

  it('draws full jitter over the interval but never below the minimum', () => {
    const low = new PollSchedule({ ...options, random: () => 0 });
    for (let i = 0; i < 20; i++) expect(low.afterPoll(false)).toBe(5000);
    const mid = new PollSchedule(
      { ...options, random: () => 0.5 },
      { intervalMs: 200_000, consecutiveFailures: 0 },
    );
    expect(mid.afterPoll(false)).toBe(150_000);
  });

  it('backs off exponentially after failures and honours Retry-After', () => {
    const s = new PollSchedule({ ...options, random: () => 0.999999 });
    expect(s.afterFailure()).toBe(5000);
    expect(s.afterFailure()).toBe(9999);
    expect(s.afterFailure()).toBe(19999);
    expect(s.afterFailure(120_000)).toBe(120_000);
    expect(s.state.consecutiveFailures).toBe(4);
    s.afterPoll(false);
    expect(s.state.consecutiveFailures).toBe(0);
  });

  it('rejects nonsense settings', () => {
    expect(() => new PollSchedule({ ...options, minIntervalMs: 0, random: Math.random })).toThrow(
      RangeError,
    );
    expect(() => new PollSchedule({ ...options, maxIntervalMs: 1, random: Math.random })).toThrow(
      RangeError,
    );
  });
});

describe('TokenBucket', () => {
  it('allows a burst, then one request per 60/perMinute seconds', () => {
    let t = 0;
    const bucket = new TokenBucket({ capacity: 3, perMinute: 6, now: () => t });
    expect([bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([0, 0, 0]);
    expect(bucket.reserve()).toBe(10_000);
    expect(bucket.reserve()).toBe(20_000);
    t = 20_000;
    expect(bucket.reserve()).toBe(10_000);
    t = 10 * 60_000;
    expect(bucket.reserve()).toBe(0);
  });
});

describe('selectors', () => {
  it('normalises ids, removes duplicates and rejects mixed or empty lists', () => {
    const hex = S1.replace(/-/g, '').toUpperCase();
    expect(normalizeSelector({ projectId: P, sampleIds: [S1, hex, S2] })).toEqual({
      projectId: P,
      sampleIds: [S1, S2],
      clientIds: null,
    });
    expect(normalizeSelector({ projectId: P, clientIds: [' A ', 'A', 'B'] }).clientIds).toEqual([
      'A',
      'B',
    ]);
    expect(() => normalizeSelector({ projectId: P, sampleIds: [S1], clientIds: ['A'] })).toThrow(
      InvalidArgumentError,
    );
    expect(() => normalizeSelector({ projectId: P, sampleIds: [] })).toThrow(/empty/);
    expect(() => normalizeSelector({ projectId: 'nope' })).toThrow(/projectId must be a UUID/);
    expect(() => normalizeSelector({ projectId: P, sampleIds: ['x'] })).toThrow(/sampleIds\[0\]/);
  });

  it('reads the --output document of an upload (spec §6.4)', () => {
    const text = formatAssignmentOutput([
      { client_id: 'PLT4-A03', fastq: { r1: { upload: S2 } }, sample: S1 },
      { client_id: 'PLT4-B07', fastq: { r1: { upload: S1 }, r2: { upload: S2 } }, sample: S2 },
    ]);
    expect(selectorFromAssignmentOutput(text, P)).toEqual({ projectId: P, sampleIds: [S1, S2] });
    expect(selectorFromAssignmentOutput(JSON.parse(text), P).sampleIds).toEqual([S1, S2]);
  });

  it('names what is wrong with a bad --output document', () => {
    expect(() => selectorFromAssignmentOutput('{not json', P)).toThrow(/not valid JSON/);
    expect(() => selectorFromAssignmentOutput('{"sample": "x"}', P)).toThrow(/JSON array/);
    expect(() => selectorFromAssignmentOutput('[]', P)).toThrow(/lists no samples/);
    expect(() => selectorFromAssignmentOutput([{ sample: S1 }, { client_id: 'x' }], P)).toThrow(
      /entry 1 .*no "sample"/,
    );
    expect(() => selectorFromAssignmentOutput([{ sample: 'abc' }], P)).toThrow(
      /entry 0 "sample" must be a UUID/,
    );
  });
});
