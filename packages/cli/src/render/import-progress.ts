/**
 * People-facing progress of a URL import, on stderr: a bar on a terminal, one line per step
 * otherwise. Warnings are always shown (they are the point of the pre-flight).
 */
import type { ImportEvent, UrlWarning } from '@gencove/core';
import { SingleBar } from 'cli-progress';
import { type Io, info, warn } from '../io.js';

export function warningText(w: UrlWarning): string {
  return `line ${w.line} (${w.clientId} ${w.read}): ${w.message}`;
}

/** Warnings of one kind shown in full before the rest are summarised. */
const WARNINGS_SHOWN_PER_KIND = 5;

export class ImportProgress {
  #bar: SingleBar | undefined;
  #warnings: UrlWarning[] = [];

  constructor(
    private readonly io: Io,
    /** Step-by-step lines (false: only warnings and the summary). */
    private readonly verbose: boolean,
  ) {}

  event(event: ImportEvent): void {
    const { io } = this;
    if (event.type === 'url-warning') {
      this.#warnings.push(event.warning);
      return;
    }
    this.#flushWarnings();
    switch (event.type) {
      case 'import-plan':
        info(
          io,
          `Importing ${event.total} URL${event.total === 1 ? '' : 's'} into ${event.destination}`,
        );
        return;
      case 'url-check-start':
        if (this.verbose) info(io, `Checking that ${event.total} URLs are reachable…`);
        return;
      case 'url-checked':
        if (this.verbose && !event.check.ok) {
          info(
            io,
            `  line ${event.check.line} (${event.check.clientId} ${event.check.read}): unreachable: ${event.check.reason}`,
          );
        }
        return;
      case 'url-registered':
        if (!this.verbose) return;
        if (io.stderr.isTTY) {
          this.#bar ??= this.#startBar(event.total);
          this.#bar.update(event.done);
        } else {
          info(
            io,
            `Registered ${event.upload.clientId} ${event.upload.read} as ${event.upload.destinationPath} (${event.done}/${event.total})`,
          );
        }
        return;
      case 'import-registered':
        this.#stopBar();
        return;
      case 'assign-waiting':
        if (this.verbose)
          info(
            io,
            `Waiting for the uploads to appear in the sample sheet (${event.found}/${event.expected})…`,
          );
        return;
      case 'assign-already-assigned':
        warn(
          io,
          `${event.uploads.length} uploads were already assigned by an earlier run; not assigning them again.`,
        );
        return;
      case 'assign-foreign-upload':
        warn(
          io,
          `sample-sheet entry ${event.clientId} also holds upload ${event.upload}, which this run did not register.`,
        );
        return;
      case 'assign-batch':
        if (this.verbose)
          info(io, `Assigned batch ${event.batch}/${event.batches} (${event.samples} samples)`);
        return;
      case 'assign-done':
        return;
    }
  }

  stop(): void {
    this.#flushWarnings();
    this.#stopBar();
  }

  /** A map of 200 short-lived URLs gives 200 alike warnings: show a few, count the rest. */
  #flushWarnings(): void {
    const byCode = new Map<string, UrlWarning[]>();
    for (const w of this.#warnings) byCode.set(w.code, [...(byCode.get(w.code) ?? []), w]);
    this.#warnings = [];
    for (const list of byCode.values()) {
      for (const w of list.slice(0, WARNINGS_SHOWN_PER_KIND)) warn(this.io, warningText(w));
      const rest = list.slice(WARNINGS_SHOWN_PER_KIND);
      if (rest.length > 0) {
        const lines = rest.map((w) => w.line).join(', ');
        warn(
          this.io,
          `… and ${rest.length} more like these (lines ${lines.length > 200 ? `${lines.slice(0, 200)}…` : lines}).`,
        );
      }
    }
  }

  #startBar(total: number): SingleBar {
    const bar = new SingleBar({
      stream: this.io.stderr,
      format: 'Registering: {bar} {value}/{total}',
      hideCursor: false,
      clearOnComplete: false,
    });
    bar.start(total, 0);
    return bar;
  }

  #stopBar(): void {
    this.#bar?.stop();
    this.#bar = undefined;
  }
}
