/**
 * Progress of `gencove wait` for people, on stderr: a live table redrawn in place on a
 * terminal (counts per status, elapsed, next poll), plain log lines otherwise.
 */
import type { PollEvent, WaitResult, WatchEvent } from '@gencove/core';
import type { Io } from '../io.js';

export interface WaitProgress {
  event(event: WatchEvent): void;
  stop(): void;
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

/** `12 succeeded, 3 running, 1 failed qc` — largest first. */
export function formatCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return entries.length ? entries.map(([k, n]) => `${n} ${k}`).join(', ') : 'no samples';
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

const label = (e: { sampleId: string | null; clientId: string | null }): string =>
  e.clientId ? `${e.clientId} (${e.sampleId ?? 'no sample'})` : (e.sampleId ?? '');

const MISSING_TEXT = {
  'not-found': 'not found',
  hidden: 'hidden',
  'not-in-project': 'in another project',
} as const;

/** One line per change; the counts after each poll that changed something. */
export class PlainWaitLog implements WaitProgress {
  #polls = 0;
  constructor(private readonly io: Io) {}

  event(event: WatchEvent): void {
    const out = (text: string): void => {
      this.io.stderr.write(`${text}\n`);
    };
    switch (event.type) {
      case 'status':
        // First observations are summarised by the counts line of the first poll.
        if (this.#polls === 0) return;
        if (event.status !== event.previousStatus) {
          out(`${event.at} ${label(event)}: ${event.previousStatus ?? 'new'} -> ${event.status}`);
        }
        if (event.archiveStatus !== event.previousArchiveStatus) {
          out(
            `${event.at} ${label(event)}: archive ${event.previousArchiveStatus ?? 'new'} -> ${event.archiveStatus}`,
          );
        }
        return;
      case 'missing':
        out(`WARNING: ${label(event)} is ${MISSING_TEXT[event.reason]}`);
        return;
      case 'poll':
        this.#polls++;
        if (this.#polls === 1 || event.changes > 0) {
          out(`${event.at} ${event.total} samples: ${formatCounts(event.counts)}`);
        }
        return;
      case 'poll-error':
        out(
          `WARNING: poll failed (${event.code}): ${event.message}${event.retryInMs === null ? '' : `; retrying in ${formatDuration(event.retryInMs)}`}`,
        );
        return;
      case 'end':
        return;
    }
  }

  stop(): void {}
}

/** A small table on the terminal, redrawn in place on every event and every second. */
export class LiveWaitTable implements WaitProgress {
  #lines = 0;
  #lastPoll: PollEvent | undefined;
  #nextPollAt: number | undefined;
  #lastChange = '';
  #lastError = '';
  #stopped = false;
  readonly #started = Date.now();
  readonly #ticker: NodeJS.Timeout;

  constructor(
    private readonly io: Io,
    private readonly title: string,
  ) {
    this.#ticker = setInterval(() => this.#render(), 1000);
    this.#ticker.unref();
    this.#render();
  }

  event(event: WatchEvent): void {
    if (this.#stopped) return;
    switch (event.type) {
      case 'status': {
        if (event.previousStatus === null && event.previousArchiveStatus === null) break;
        const what =
          event.status === event.previousStatus
            ? `archive ${event.previousArchiveStatus} -> ${event.archiveStatus}`
            : `${event.previousStatus} -> ${event.status}`;
        this.#lastChange = `${event.at.slice(11, 19)} ${label(event)}: ${what}`;
        break;
      }
      case 'missing':
        this.#lastChange = `${label(event)} is ${MISSING_TEXT[event.reason]}`;
        break;
      case 'poll':
        this.#lastPoll = event;
        this.#lastError = '';
        this.#nextPollAt =
          event.nextPollInMs === null ? undefined : Date.now() + event.nextPollInMs;
        break;
      case 'poll-error':
        this.#lastError = `last poll failed (${event.code}), retrying`;
        this.#nextPollAt = event.retryInMs === null ? undefined : Date.now() + event.retryInMs;
        break;
      case 'end':
        this.#nextPollAt = undefined;
        break;
    }
    this.#render();
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#ticker);
    this.#render();
  }

  #render(): void {
    const poll = this.#lastPoll;
    const elapsed = formatDuration(Date.now() - this.#started);
    const next =
      this.#nextPollAt === undefined
        ? ''
        : ` · next poll in ${formatDuration(Math.max(0, this.#nextPollAt - Date.now()))}`;
    const requests = poll ? ` · ${plural(poll.totalRequests, 'request')}` : '';
    const lines = [this.title, `  elapsed ${elapsed}${next}${requests}`];
    if (!poll) lines.push('  first poll…');
    else {
      const width = Math.max(...Object.keys(poll.counts).map((k) => k.length), 8);
      const rows = Object.entries(poll.counts).sort((a, b) => b[1] - a[1]);
      for (const [status, n] of rows)
        lines.push(`  ${status.padEnd(width)} ${String(n).padStart(6)}`);
      const archived = poll.archived ? ` · ${poll.archived} archived` : '';
      lines.push(`  ${poll.total} samples · ${poll.pending} pending${archived}`);
    }
    if (this.#lastChange) lines.push(`  last change: ${this.#lastChange}`);
    if (this.#lastError) lines.push(`  WARNING: ${this.#lastError}`);
    // 0 or undefined when the terminal does not say; lines must not wrap or the redraw drifts.
    const columns = Math.max(20, this.io.stderr.columns || 100);
    const text = lines.map((l) => (l.length >= columns ? `${l.slice(0, columns - 2)}…` : l));
    const up = this.#lines > 0 ? `\x1b[${this.#lines}A` : '';
    this.io.stderr.write(`\r${up}\x1b[0J${text.join('\n')}\n`);
    this.#lines = text.length;
  }
}

/** Human summary on stderr after the per-sample lines on stdout. */
export function summaryLine(result: WaitResult): string {
  const counts = Object.fromEntries(Object.entries(result.counts).filter(([, n]) => n > 0));
  const verdict: Record<WaitResult['outcome'], string> = {
    succeeded: 'all samples succeeded',
    'failed-qc': 'finished; some samples failed QC',
    failed: 'some samples failed',
    timeout: 'timed out before every sample finished',
    unavailable: 'some samples are archived or unavailable',
  };
  return `${verdict[result.outcome]} (${formatCounts(counts)}) in ${formatDuration(result.elapsedMs)}, ${plural(result.requests, 'request')}`;
}
