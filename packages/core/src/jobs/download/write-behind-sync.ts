import type { FileHandle } from 'node:fs/promises';

/** Bytes written between two background `fdatasync` calls. */
export const WRITE_BEHIND_SYNC_BYTES = 32 * 1024 * 1024;

/**
 * Flushes a file to disk while it is still being written, so that the `fsync` before the rename
 * only waits for the last few MiB. Without it the kernel starts writeback only once dirty pages
 * pass `dirty_background_ratio` (gigabytes on a large machine), and the final `fsync` of a 2 GiB
 * file waited for all of it after the last byte had arrived. At most one `fdatasync` runs at a
 * time; a failed one is reported by {@link finish} (the kernel reports a writeback error to a
 * file descriptor only once).
 */
export class WriteBehindSync {
  #unsynced = 0;
  #inFlight: Promise<void> | undefined;
  #failure: { error: unknown } | undefined;

  constructor(
    private readonly fd: FileHandle,
    private readonly everyBytes = WRITE_BEHIND_SYNC_BYTES,
  ) {}

  /** Tells that `length` more bytes are in the file (not yet on disk). */
  written(length: number): void {
    this.#unsynced += length;
    if (this.everyBytes <= 0 || this.#unsynced < this.everyBytes || this.#inFlight) return;
    this.#unsynced = 0;
    this.#inFlight = this.fd
      .datasync()
      .catch((error: unknown) => {
        this.#failure ??= { error };
      })
      .finally(() => {
        this.#inFlight = undefined;
      });
  }

  /** Waits for the background flush, then makes the whole file durable (`fsync`). */
  async finish(): Promise<void> {
    await this.#inFlight;
    if (this.#failure) throw this.#failure.error;
    await this.fd.sync();
  }

  /** Lets a background flush end before the file is closed (its outcome no longer matters). */
  async settle(): Promise<void> {
    await this.#inFlight;
  }
}
