import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Io } from '../src/io.js';
import { formatBytes, formatDuration } from '../src/render/byte-units.js';
import {
  createTransferRenderer,
  type TransferRenderMode,
} from '../src/render/transfer-progress.js';

const MIB = 1024 * 1024;

function capture(mode: TransferRenderMode) {
  const stdout = new PassThrough();
  const stderr = Object.assign(new PassThrough(), { isTTY: mode === 'tty', columns: 100 });
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const io = { stdout, stderr, stdin: new PassThrough(), env: {} } as unknown as Io;
  let now = 1_000_000;
  const renderer = createTransferRenderer(io, { mode, label: 'Uploading', now: () => now });
  return {
    renderer,
    advance: (ms: number) => {
      now += ms;
    },
    out: () => out,
    err: () => err,
  };
}

/** 2 files of 10 MiB, one resumed at 4 MiB, sent in 1 MiB steps 100 ms apart, one retry rolled back. */
function play(t: ReturnType<typeof capture>) {
  t.renderer.handle({ type: 'start', files: 2, bytes: 20 * MIB });
  t.renderer.handle({ type: 'file-start', id: 0, name: 'S1_R1.fastq.gz', size: 10 * MIB });
  t.renderer.handle({
    type: 'file-start',
    id: 1,
    name: 'S1_R2.fastq.gz',
    size: 10 * MIB,
    doneBytes: 4 * MIB,
  });
  for (let i = 0; i < 10; i++) {
    t.advance(100);
    t.renderer.handle({ type: 'bytes', id: 0, bytes: MIB });
  }
  t.renderer.handle({ type: 'bytes', id: 1, bytes: 2 * MIB });
  t.renderer.handle({ type: 'bytes', id: 1, bytes: -2 * MIB });
  t.renderer.handle({ type: 'note', text: '  retrying part 1' });
  t.renderer.handle({ type: 'file-end', id: 0, status: 'done' });
  for (let i = 0; i < 6; i++) {
    t.advance(2_000);
    t.renderer.handle({ type: 'bytes', id: 1, bytes: MIB });
  }
  t.renderer.handle({ type: 'file-end', id: 1, status: 'done', note: 'resumed' });
  t.renderer.stop();
}

describe('createTransferRenderer', () => {
  it('plain: file lines, notes and overall lines with rate and ETA on stderr', () => {
    const t = capture('plain');
    play(t);
    const lines = t.err().trim().split('\n');
    expect(lines[0]).toBe('Uploading 2 files (20.0 MiB)');
    expect(lines).toContain('  started S1_R1.fastq.gz (10.0 MiB)');
    expect(lines).toContain('  started S1_R2.fastq.gz (10.0 MiB, resuming at 4.0 MiB)');
    expect(lines).toContain('  retrying part 1');
    expect(lines).toContain('  done S1_R1.fastq.gz (10.0 MiB, 10.0 MiB/s)');
    expect(
      lines.some((l) => /^Uploading: \d+% .*\/20\.0 MiB, 1\/2 files, .*\/s, ETA \d+s$/.test(l)),
    ).toBe(true);
    expect(lines.at(-2)).toMatch(/^ {2}done S1_R2\.fastq\.gz \(10\.0 MiB, .*resumed\)$/);
    expect(lines.at(-1)).toMatch(/^Uploading: 2\/2 files, 20\.0 MiB in 13s/);
    expect(t.out()).toBe('');
  });

  it('plain: a file found already there leaves the total, so the last line counts moved bytes', () => {
    const t = capture('plain');
    t.renderer.handle({ type: 'start', files: 2, bytes: 20 * MIB });
    t.renderer.handle({ type: 'skip', bytes: 10 * MIB });
    t.renderer.handle({ type: 'file-end', id: 'a', name: 'a.bam', status: 'skipped' });
    t.renderer.handle({ type: 'file-start', id: 'b', name: 'b.bam', size: 10 * MIB });
    t.advance(1_000);
    t.renderer.handle({ type: 'bytes', id: 'b', bytes: 10 * MIB });
    t.renderer.handle({ type: 'file-end', id: 'b', status: 'done' });
    t.renderer.stop();
    expect(t.err().trim().split('\n').at(-1)).toMatch(/^Uploading: 2\/2 files, 10\.0 MiB in 1s/);
  });

  it('json: throttled progress objects on stdout, nothing for people', () => {
    const t = capture('json');
    play(t);
    const objects = t
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(objects.length).toBeGreaterThanOrEqual(5);
    expect(objects.every((o) => o.type === 'progress')).toBe(true);
    expect(objects.at(-1)).toMatchObject({
      bytes: 20 * MIB,
      totalBytes: 20 * MIB,
      files: 2,
      totalFiles: 2,
      etaSeconds: 0,
    });
    const bytes = objects.map((o) => o.bytes);
    expect([...bytes].sort((a, b) => a - b)).toEqual(bytes);
    expect(t.err()).toBe('');

    // stopped short (a failure, Ctrl-C): no "0 s left"
    const short = capture('json');
    short.renderer.handle({ type: 'start', files: 1, bytes: 10 * MIB });
    short.renderer.handle({ type: 'file-start', id: 0, name: 'a', size: 10 * MIB });
    short.renderer.handle({ type: 'bytes', id: 0, bytes: 3 * MIB });
    short.renderer.stop();
    const last = JSON.parse(short.out().trim().split('\n').at(-1)!);
    expect(last).toMatchObject({ bytes: 3 * MIB, etaSeconds: null });
  });

  it('tty: one overall bar with bytes, rate and ETA, a line per active file, notes above', () => {
    const t = capture('tty');
    t.renderer.handle({ type: 'start', files: 2, bytes: 20 * MIB });
    t.renderer.handle({ type: 'file-start', id: 0, name: 'S1_R1.fastq.gz', size: 10 * MIB });
    t.renderer.handle({ type: 'file-start', id: 1, name: 'S1_R2.fastq.gz', size: 10 * MIB });
    for (let i = 0; i < 5; i++) {
      t.advance(200);
      t.renderer.handle({ type: 'bytes', id: 0, bytes: MIB });
    }
    t.renderer.handle({ type: 'note', text: '  retrying part 1' });
    // what the terminal shows now: the bars as last drawn (cursor moves stripped)
    t.renderer.stop();
    const screen = t.err().replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
    expect(screen).toMatch(
      /\[#{6}-{18}\] Uploading: 25% 5\.0 MiB\/20\.0 MiB, 0\/2 files, 5\.0 MiB\/s, ETA 3s/,
    );
    expect(screen).toMatch(/\[#{6}-{6}\] {2}50% S1_R1\.fastq\.gz/);
    expect(screen).toMatch(/\[-{12}\] {3}0% S1_R2\.fastq\.gz/);
    // the note came after the last frame: it must still reach the terminal
    expect(screen).toContain('  retrying part 1\n');
    expect(screen).not.toContain('started'); // per-file start/done lines are plain mode only
    expect(t.out()).toBe('');
  });

  it('tty: a file started again (a checksum retry) keeps a single bar', () => {
    const t = capture('tty');
    t.renderer.handle({ type: 'start', files: 1, bytes: 10 * MIB });
    t.renderer.handle({ type: 'file-start', id: 'x', name: 'x.vcf.gz', size: 10 * MIB });
    t.renderer.handle({ type: 'bytes', id: 'x', bytes: 10 * MIB });
    t.renderer.handle({ type: 'bytes', id: 'x', bytes: -10 * MIB });
    t.renderer.handle({ type: 'file-start', id: 'x', name: 'x.vcf.gz', size: 10 * MIB });
    t.advance(200);
    t.renderer.handle({ type: 'bytes', id: 'x', bytes: 5 * MIB });
    t.renderer.stop();
    // the last frame: after the final overall bar, one file bar only
    const frames = t
      .err()
      .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
      .split('Uploading:');
    expect(frames.at(-1)!.match(/x\.vcf\.gz/g)).toHaveLength(1);
  });

  it('warnings reach people in every mode but JSON (on a terminal, above the bars)', () => {
    for (const mode of ['tty', 'plain', 'silent', 'json'] as const) {
      const t = capture(mode);
      t.renderer.handle({ type: 'start', files: 1, bytes: MIB });
      t.renderer.handle({ type: 'warning', text: 'no checksum for x' });
      t.renderer.stop();
      expect(t.err().includes('WARNING: no checksum for x\n'), mode).toBe(mode !== 'json');
    }
  });

  it('silent: writes nothing at all', () => {
    const t = capture('silent');
    play(t);
    expect(t.out() + t.err()).toBe('');
  });
});

describe('byte units', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.5 KiB'],
    [5 * 1024 ** 3, '5.0 GiB'],
  ])('formatBytes(%i) = %s', (n, text) => expect(formatBytes(n)).toBe(text));

  it.each([
    [42, '42s'],
    [185, '3m05s'],
    [7620, '2h07m'],
    [Number.NaN, '--'],
  ])('formatDuration(%d) = %s', (s, text) => expect(formatDuration(s)).toBe(text));
});
