/**
 * Progress of byte transfers (uploads, downloads) for people and machines: one overall bar with
 * bytes, rate and ETA plus a line per active file on a terminal; plain lines when stderr is not
 * a terminal; throttled NDJSON `progress` objects on stdout with --json; nothing when silent.
 * It knows nothing about the job: commands translate their core events into these.
 */
import { MultiBar, type SingleBar } from 'cli-progress';
import type { Io } from '../io.js';
import { formatBytes, formatDuration, formatRate } from './byte-units.js';

export type TransferRenderMode = 'tty' | 'plain' | 'json' | 'silent';

export type TransferRenderEvent =
  /** Totals of this run: files and bytes still to move. */
  | { type: 'start'; files: number; bytes: number }
  /** `doneBytes`: already there before this run (resumed parts, partial downloads). */
  | {
      type: 'file-start';
      id: string | number;
      name: string;
      /** Unknown for files produced on the fly (QC / metadata JSON). */
      size?: number;
      doneBytes?: number;
    }
  /** Bytes moved (negative to roll back a failed attempt that will be retried). */
  | { type: 'bytes'; id: string | number; bytes: number }
  /** Bytes announced in `start` that need not move after all (a file already there). */
  | { type: 'skip'; bytes: number }
  /** A warning for people, in every mode but JSON; on a terminal above the bars, not over them. */
  | { type: 'warning'; text: string }
  | {
      type: 'file-end';
      id: string | number;
      name?: string;
      status: 'done' | 'skipped' | 'failed';
      note?: string;
    }
  /** A line for people (retries, refreshed credentials); not shown in json or silent mode. */
  | { type: 'note'; text: string };

export interface TransferRenderer {
  handle(event: TransferRenderEvent): void;
  /** Final redraw; leaves the terminal clean. Safe to call twice. */
  stop(): void;
}

export interface TransferRendererOptions {
  mode: TransferRenderMode;
  /** Verb of the overall line: `Uploading`, `Downloading`. */
  label: string;
  /** Per-file lines shown at once on a terminal. Default 6. */
  maxFileLines?: number;
  /** Plain mode: seconds between overall progress lines. Default 10. */
  plainIntervalSeconds?: number;
  /** JSON mode: seconds between progress objects. Default 1. */
  jsonIntervalSeconds?: number;
  now?: () => number;
}

interface FileState {
  name: string;
  size: number | undefined;
  done: number;
  startedAt: number;
  bar?: SingleBar;
}

const RATE_WINDOW_MS = 10_000;

export function createTransferRenderer(io: Io, options: TransferRendererOptions): TransferRenderer {
  return new Renderer(io, options);
}

class Renderer implements TransferRenderer {
  readonly #io: Io;
  readonly #options: TransferRendererOptions;
  readonly #now: () => number;
  readonly #files = new Map<string | number, FileState>();
  readonly #samples: Array<[number, number]> = [];
  #totalBytes = 0;
  #totalFiles = 0;
  #doneBytes = 0;
  #filesEnded = 0;
  #startedAt: number;
  #lastReport = 0;
  #multibar: MultiBar | undefined;
  #overall: SingleBar | undefined;
  #stopped = false;

  constructor(io: Io, options: TransferRendererOptions) {
    this.#io = io;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#startedAt = this.#now();
  }

  handle(event: TransferRenderEvent): void {
    if (event.type === 'warning') {
      if (this.#options.mode !== 'json') this.#line(`WARNING: ${event.text}`);
      return;
    }
    if (this.#stopped || this.#options.mode === 'silent') return;
    switch (event.type) {
      case 'start':
        this.#totalBytes = event.bytes;
        this.#totalFiles = event.files;
        this.#startedAt = this.#now();
        this.#lastReport = this.#startedAt;
        this.#samples.length = 0;
        if (this.#options.mode === 'tty') this.#startBars();
        if (this.#options.mode === 'plain') {
          this.#line(
            `${this.#options.label} ${event.files} file${event.files === 1 ? '' : 's'} (${formatBytes(event.bytes)})`,
          );
        }
        break;
      case 'file-start': {
        // A file started again (a checksum retry) keeps one bar, not one per attempt.
        const previous = this.#files.get(event.id);
        if (previous?.bar) this.#multibar?.remove(previous.bar);
        const file: FileState = {
          name: event.name,
          size: event.size,
          done: event.doneBytes ?? 0,
          startedAt: this.#now(),
        };
        this.#files.set(event.id, file);
        this.#doneBytes += file.done;
        if (this.#options.mode === 'plain') {
          const detail = [
            event.size === undefined ? '' : formatBytes(event.size),
            file.done > 0 ? `resuming at ${formatBytes(file.done)}` : '',
          ]
            .filter(Boolean)
            .join(', ');
          this.#line(`  started ${event.name}${detail ? ` (${detail})` : ''}`);
        }
        this.#showFileBars();
        break;
      }
      case 'skip':
        this.#totalBytes = Math.max(0, this.#totalBytes - event.bytes);
        break;
      case 'bytes': {
        const file = this.#files.get(event.id);
        if (file) file.done += event.bytes;
        this.#doneBytes += event.bytes;
        break;
      }
      case 'file-end': {
        const file = this.#files.get(event.id);
        this.#files.delete(event.id);
        this.#filesEnded++;
        if (file?.bar) this.#multibar?.remove(file.bar);
        const name = file?.name ?? event.name ?? String(event.id);
        if (
          this.#options.mode === 'plain' ||
          (this.#options.mode === 'tty' && event.status !== 'done')
        ) {
          this.#line(`  ${endWord(event.status)} ${name}${this.#endDetail(file, event.note)}`);
        }
        this.#showFileBars();
        break;
      }
      case 'note':
        if (this.#options.mode === 'plain' || this.#options.mode === 'tty') this.#line(event.text);
        break;
    }
    this.#tick();
  }

  stop(): void {
    if (this.#stopped) return;
    if (this.#options.mode === 'json' && this.#totalFiles > 0) this.#json(true);
    if (this.#options.mode === 'plain' && this.#totalFiles > 0) this.#line(this.#overallText(true));
    this.#stopped = true;
    if (this.#multibar) {
      this.#redraw();
      // log() only buffers lines until the next frame; draw one so the last notes are not lost
      this.#multibar.update();
      this.#multibar.stop();
    }
  }

  #tick(): void {
    const now = this.#now();
    const last = this.#samples[this.#samples.length - 1];
    if (!last || now - last[0] >= 200) {
      this.#samples.push([now, this.#doneBytes]);
      while (this.#samples.length > 2 && now - this.#samples[0]![0] > RATE_WINDOW_MS)
        this.#samples.shift();
    }
    const mode = this.#options.mode;
    if (mode === 'tty') this.#redraw();
    const interval =
      mode === 'json'
        ? (this.#options.jsonIntervalSeconds ?? 1)
        : (this.#options.plainIntervalSeconds ?? 10);
    if ((mode === 'json' || mode === 'plain') && now - this.#lastReport >= interval * 1000) {
      this.#lastReport = now;
      if (this.#totalFiles === 0) return;
      if (mode === 'json') this.#json(false);
      else this.#line(this.#overallText(false));
    }
  }

  #rate(): number {
    const first = this.#samples[0];
    const last = this.#samples[this.#samples.length - 1];
    if (!first || !last || last[0] - first[0] < 500) {
      const elapsed = (this.#now() - this.#startedAt) / 1000;
      return elapsed > 0 ? Math.max(0, this.#doneBytes) / elapsed : 0;
    }
    return Math.max(0, (last[1] - first[1]) / ((last[0] - first[0]) / 1000));
  }

  #eta(): number {
    const rate = this.#rate();
    return rate > 0 ? Math.max(0, this.#totalBytes - this.#doneBytes) / rate : Number.NaN;
  }

  #overallText(final: boolean): string {
    const pct = this.#totalBytes > 0 ? Math.floor((100 * this.#doneBytes) / this.#totalBytes) : 100;
    const elapsed = (this.#now() - this.#startedAt) / 1000;
    const files = `${this.#filesEnded}/${this.#totalFiles} files`;
    if (final) {
      const avg = elapsed > 0 ? this.#doneBytes / elapsed : 0;
      return `${this.#options.label}: ${files}, ${formatBytes(this.#doneBytes)} in ${formatDuration(elapsed)} (${formatRate(avg)})`;
    }
    return `${this.#options.label}: ${pct}% ${formatBytes(this.#doneBytes)}/${formatBytes(this.#totalBytes)}, ${files}, ${formatRate(this.#rate())}, ETA ${formatDuration(this.#eta())}`;
  }

  #json(final: boolean): void {
    const progress = {
      type: 'progress',
      bytes: this.#doneBytes,
      totalBytes: this.#totalBytes,
      files: this.#filesEnded,
      totalFiles: this.#totalFiles,
      bytesPerSecond: Math.round(this.#rate()),
      // a run that stopped short (failure, Ctrl-C) has no ETA, not "0 s left"
      etaSeconds: final
        ? this.#doneBytes >= this.#totalBytes
          ? 0
          : null
        : Math.round(this.#eta()) || null,
      elapsedSeconds: Math.round((this.#now() - this.#startedAt) / 100) / 10,
    };
    this.#io.stdout.write(`${JSON.stringify(progress)}\n`);
  }

  #endDetail(file: FileState | undefined, note: string | undefined): string {
    const parts: string[] = [];
    if (file) {
      if (file.size !== undefined) parts.push(formatBytes(file.size));
      const seconds = (this.#now() - file.startedAt) / 1000;
      if (seconds >= 1 && file.done > 0) parts.push(formatRate(file.done / seconds));
    }
    if (note) parts.push(note);
    return parts.length ? ` (${parts.join(', ')})` : '';
  }

  #line(text: string): void {
    if (this.#multibar) this.#multibar.log(`${text}\n`);
    else this.#io.stderr.write(`${text}\n`);
  }

  // terminal rendering ------------------------------------------------------

  #startBars(): void {
    if (this.#multibar) return;
    this.#multibar = new MultiBar({
      stream: this.#io.stderr,
      format: (_options, _params, payload: { line?: string }) => payload.line ?? '',
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      fps: 5,
    });
    this.#overall = this.#multibar.create(1, 0, { line: '' });
  }

  #showFileBars(): void {
    if (!this.#multibar) return;
    let shown = [...this.#files.values()].filter((f) => f.bar).length;
    for (const file of this.#files.values()) {
      if (shown >= (this.#options.maxFileLines ?? 6)) break;
      if (!file.bar) {
        file.bar = this.#multibar.create(1, 0, { line: '' });
        shown++;
      }
    }
  }

  #redraw(): void {
    if (!this.#multibar) return;
    const width = Math.max(40, (this.#io.stderr.columns || 100) - 1);
    const pct =
      this.#totalBytes > 0 ? Math.min(1, Math.max(0, this.#doneBytes / this.#totalBytes)) : 0;
    this.#overall?.update(0, { line: fit(`${bar(pct, 24)} ${this.#overallText(false)}`, width) });
    const hidden = [...this.#files.values()].filter((f) => !f.bar).length;
    for (const file of this.#files.values()) {
      if (!file.bar) continue;
      const p = file.size ? Math.min(1, Math.max(0, file.done / file.size)) : 1;
      const more = hidden > 0 && file === lastShown(this.#files) ? `  (+${hidden} more)` : '';
      file.bar.update(0, {
        line: fit(
          `  ${bar(p, 12)} ${String(Math.floor(p * 100)).padStart(3)}% ${file.name}${more}`,
          width,
        ),
      });
    }
  }
}

function lastShown(files: Map<string | number, FileState>): FileState | undefined {
  let last: FileState | undefined;
  for (const f of files.values()) if (f.bar) last = f;
  return last;
}

function bar(fraction: number, size: number): string {
  const full = Math.round(fraction * size);
  return `[${'#'.repeat(full)}${'-'.repeat(size - full)}]`;
}

function fit(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

function endWord(status: 'done' | 'skipped' | 'failed'): string {
  return status === 'done' ? 'done' : status === 'skipped' ? 'skipped' : 'FAILED';
}
