/**
 * The pipeline clock. Samples progress on `pipelineNow()`: in real-time mode that is the real time
 * elapsed since start plus everything added by `advance(ms)`; in manual mode only the advances.
 * Timestamps shown by the API use `wallNow()` = real time + advances, so advancing the clock also
 * moves `created`/`modified` values forward consistently.
 */
export class PipelineClock {
  private advanced = 0;
  private readonly startedAt = Date.now();

  constructor(private readonly realTime: boolean) {}

  pipelineNow(): number {
    return this.realTime ? Date.now() - this.startedAt + this.advanced : this.advanced;
  }

  wallNow(): number {
    return Date.now() + this.advanced;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new Error('advance(ms) needs a finite ms >= 0');
    this.advanced += ms;
  }
}
