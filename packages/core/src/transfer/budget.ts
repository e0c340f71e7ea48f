import { WeightedSemaphore } from './weighted-semaphore.js';

export interface TransferBudgetOptions {
  /** Requests in flight at once across every file (S3 parts, ranged GETs). Default 16. */
  maxConnections?: number;
  /** Bytes held in part buffers at once across every file. Default 128 MiB. */
  maxBufferBytes?: number;
}

export const DEFAULT_MAX_CONNECTIONS = 16;
export const DEFAULT_MAX_BUFFER_BYTES = 128 * 1024 * 1024;

/**
 * One budget shared by every transfer of a job (uploads and downloads alike), so that
 * "many files × many parts" never exceeds a fixed number of connections or bytes of memory,
 * whatever the number and size of the files.
 */
export class TransferBudget {
  readonly connections: WeightedSemaphore;
  readonly memory: WeightedSemaphore;

  constructor(options: TransferBudgetOptions = {}) {
    this.connections = new WeightedSemaphore(options.maxConnections ?? DEFAULT_MAX_CONNECTIONS);
    this.memory = new WeightedSemaphore(options.maxBufferBytes ?? DEFAULT_MAX_BUFFER_BYTES);
  }

  /** Holds one connection and `bytes` of buffer until the returned function is called. */
  async acquire(bytes: number, signal?: AbortSignal): Promise<() => void> {
    const releaseMemory = await this.memory.acquire(bytes, signal);
    try {
      const releaseConnection = await this.connections.acquire(1, signal);
      return () => {
        releaseConnection();
        releaseMemory();
      };
    } catch (error) {
      releaseMemory();
      throw error;
    }
  }

  /** Runs `task` inside the budget and releases it however the task ends. */
  async run<T>(bytes: number, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(bytes, signal);
    try {
      return await task();
    } finally {
      release();
    }
  }
}
