import type { DeliverableFile, SampleDetail } from '../../models.js';

/** Where the bytes of one deliverable come from: a presigned URL that can be renewed. */
export interface DownloadSource {
  /** Human-readable name for messages (never the URL: it carries a signature). */
  readonly label: string;
  current(): { url: string; generation: number };
  /**
   * Called after the URL of `generation` was refused (403, expired). Resolves once a newer URL
   * is available; concurrent callers for the same generation share one refresh.
   */
  refresh(generation: number, signal?: AbortSignal): Promise<void>;
  /** The URL of `generation` delivered bytes: the refresh limit counts again from zero. */
  served?(generation: number): void;
}

export type SampleFetcher = (sampleId: string, signal?: AbortSignal) => Promise<SampleDetail>;

/**
 * Refreshes in a row that bring no byte before a sample's URLs count as refused for good (the
 * official client re-reads 10 times). Any byte served by a fresh URL resets the count, so a
 * long transfer outliving many short-lived URLs never runs out.
 */
export const DEFAULT_MAX_URL_REFRESHES = 10;

/**
 * The storage keeps refusing a file's presigned URLs. Not an API credentials problem (the API
 * answered every refresh), so it has its own code rather than `ERR_GENCOVE_FORBIDDEN`.
 */
export class UrlRefreshError extends Error {
  readonly code = 'ERR_GENCOVE_URL_REFUSED';
  constructor(message: string) {
    super(message);
    this.name = 'UrlRefreshError';
  }
}

/**
 * The presigned URLs of one sample. A 403 on any of its files re-reads the sample once
 * (`GET /samples/{id}`) for fresh URLs, shared by every transfer of the sample.
 */
export class SampleUrls {
  #sample: SampleDetail;
  #generation = 0;
  #refreshes = 0;
  #pending: Promise<void> | undefined;

  constructor(
    sample: SampleDetail,
    private readonly fetchSample: SampleFetcher,
    private readonly onRefresh: (sampleId: string) => void = () => {},
    private readonly maxRefreshes = DEFAULT_MAX_URL_REFRESHES,
  ) {
    this.#sample = sample;
  }

  get sample(): SampleDetail {
    return this.#sample;
  }

  /** A source for the file `fileId` of this sample. */
  source(file: DeliverableFile, label: string): DownloadSource {
    return {
      label,
      current: () => {
        const current = this.#sample.files.find((f) => f.id === file.id);
        if (!current?.download_url) {
          throw new UrlRefreshError(
            `${label} has no download URL any more (the sample may have been archived).`,
          );
        }
        return { url: current.download_url, generation: this.#generation };
      },
      refresh: (generation, signal) => this.refresh(generation, label, signal),
      served: (generation) => {
        if (generation === this.#generation) this.#refreshes = 0;
      },
    };
  }

  async refresh(generation: number, label: string, signal?: AbortSignal): Promise<void> {
    if (generation < this.#generation) return;
    if (!this.#pending) {
      if (this.#refreshes >= this.maxRefreshes) {
        throw new UrlRefreshError(
          `The download URL of ${label} was refused (403) ${this.#refreshes} times in a row, each time with a fresh URL.`,
        );
      }
      this.#refreshes++;
      this.onRefresh(this.#sample.id);
      this.#pending = this.fetchSample(this.#sample.id, signal)
        .then((fresh) => {
          this.#sample = fresh;
          this.#generation++;
        })
        .finally(() => {
          this.#pending = undefined;
        });
    }
    await this.#pending;
  }
}
