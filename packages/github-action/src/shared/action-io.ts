import type { SummaryBuilder } from './summary.js';

/** Where an annotation points (a map file line, a local FASTQ) and its title. */
export interface Annotation {
  title?: string;
  file?: string;
  line?: number;
}

/**
 * What an action's `run()` may do to the outside world. The GitHub implementation
 * (`github-io.ts`) maps it onto @actions/core; every text goes through the secret scrubber.
 */
export interface ActionIo {
  info(text: string): void;
  debug(text: string): void;
  warning(text: string, annotation?: Annotation): void;
  /** An error annotation that does not by itself fail the step. */
  error(text: string, annotation?: Annotation): void;
  /** Runs `work` inside a collapsible log group (groups do not nest; inner ones are flattened). */
  group<T>(name: string, work: () => Promise<T>): Promise<T>;
  /** Sets a step output; non-string values are written as compact JSON. */
  setOutput(name: string, value: unknown): void;
  /** Registers a secret with the runner's masking before it can appear anywhere. */
  mask(secret: string | undefined): void;
  /** Masks the signature/credential parameters of a presigned URL. */
  maskUrlSignatures(url: string): void;
  /** Appends to the job summary. */
  writeSummary(summary: SummaryBuilder): Promise<void>;
}
