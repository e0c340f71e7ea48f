import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/**
 * The running sha256 of one transfer, fed in file order. `update` may hash on another thread:
 * the bytes must stay untouched until its promise resolves. Call `digest` (or `dispose`) once.
 */
export interface Sha256Stream {
  update(bytes: Uint8Array): Promise<void>;
  digest(): Promise<string>;
  /** Forgets an unfinished hash (the transfer failed). */
  dispose(): void;
}

/** Buffers that {@link sha256Stream} hashes on its thread without copying them. */
export function sharedBuffer(size: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(size));
}

/**
 * A hash on the download's thread, for where there is no thread to spare.
 */
export function inlineSha256Stream(): Sha256Stream {
  const hash = createHash('sha256');
  return {
    update: async (bytes) => {
      hash.update(bytes);
    },
    digest: async () => hash.digest('hex'),
    dispose: () => {},
  };
}

/**
 * sha256 of every transfer of the process, computed on one worker thread so that hashing
 * overlaps with receiving (the download's thread is otherwise the bottleneck on a fast link).
 * Buffers backed by a SharedArrayBuffer reach the thread without a copy and messages carry one
 * batch (≥ 1 MiB) each; an earlier design that transferred a fresh buffer per batch spent more on
 * the handoff than on the hash. Requests are answered in the order they were sent. Inline code
 * (not a file) so that bundles and test runners that load TypeScript sources can start it.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
parentPort.on('message', (m) => {
  let hash = hashes.get(m.id);
  if (m.op === 'update') {
    if (!hash) hashes.set(m.id, (hash = createHash('sha256')));
    hash.update(m.bytes);
    parentPort.postMessage(null);
  } else {
    hashes.delete(m.id);
    parentPort.postMessage(m.op === 'digest' ? (hash ?? createHash('sha256')).digest('hex') : null);
  }
});
`;

interface Request {
  resolve: (value: string | null) => void;
  reject: (error: Error) => void;
}

class HashThread {
  readonly #worker: Worker;
  readonly #waiting: Request[] = [];
  #failure: Error | undefined;
  #nextId = 0;

  constructor() {
    // execArgv: [] — the parent's flags (a loader, --input-type=module) would change how the
    // CommonJS source above is read.
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
    this.#worker.unref();
    this.#worker.on('message', (value: string | null) => {
      this.#waiting.shift()?.resolve(value);
      if (this.#waiting.length === 0) this.#worker.unref();
    });
    const fail = (error: Error) => {
      this.#failure ??= error;
      for (const request of this.#waiting.splice(0)) request.reject(error);
      if (thread === this) thread = undefined;
    };
    this.#worker.on('error', fail);
    this.#worker.on('exit', () => fail(new Error('the sha256 thread stopped')));
  }

  stream(): Sha256Stream {
    const id = this.#nextId++;
    let done = false;
    return {
      update: async (bytes) => {
        // A buffer of this thread's own heap is copied into the message; shared ones are not.
        await this.#send({ op: 'update', id, bytes });
      },
      digest: async () => {
        done = true;
        return (await this.#send({ op: 'digest', id })) as string;
      },
      dispose: () => {
        if (done || this.#failure) return;
        done = true;
        this.#send({ op: 'drop', id }).catch(() => {});
      },
    };
  }

  #send(message: { op: string; id: number; bytes?: Uint8Array }): Promise<string | null> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      // Kept alive only while answers are due: an idle thread never holds the process open.
      if (this.#waiting.length === 0) this.#worker.ref();
      this.#waiting.push({ resolve, reject });
      this.#worker.postMessage(message);
    });
  }
}

let thread: HashThread | undefined;

/** A sha256 computed on the process's hashing thread (started on first use). */
export function sha256Stream(): Sha256Stream {
  try {
    thread ??= new HashThread();
    return thread.stream();
  } catch {
    // No worker threads here (a restricted runtime): hash inline, slower but the same result.
    return inlineSha256Stream();
  }
}
