import type { Readable, Writable } from 'node:stream';

/** The streams a command talks to; injected so commands stay testable and never touch globals. */
export interface Io {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean; columns?: number };
  stdin: Readable & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  env: NodeJS.ProcessEnv;
  /** Ctrl-C, for commands that can stop cleanly: take it with {@link interruptSignal}. */
  interrupt?: Interrupt;
}

export interface Interrupt {
  /** Aborted on the first Ctrl-C. */
  readonly signal: AbortSignal;
  /** A command passed the signal to a job: the first Ctrl-C waits for it to stop (`bin.ts`). */
  handled: boolean;
}

/**
 * The Ctrl-C signal for a job that stops cleanly when it is aborted (an S3 multipart upload
 * aborted, a `.part` left consistent). Without it, Ctrl-C ends the process at once.
 */
export function interruptSignal(io: Io): AbortSignal | undefined {
  if (!io.interrupt) return undefined;
  io.interrupt.handled = true;
  return io.interrupt.signal;
}

export function processIo(interrupt?: Interrupt): Io {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    ...(interrupt ? { interrupt } : {}),
  };
}

/** Machine-readable data goes to stdout; everything for people goes to stderr (spec §1.10). */
export function writeOut(io: Io, text: string): void {
  io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function writeJson(io: Io, value: unknown): void {
  writeOut(io, JSON.stringify(value, null, 2));
}

export function writeNdjson(io: Io, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value)}\n`);
}

export function info(io: Io, text: string): void {
  io.stderr.write(`${text}\n`);
}

export function warn(io: Io, text: string): void {
  io.stderr.write(`WARNING: ${text}\n`);
}

/** A JSON array written item by item as they arrive (memory does not grow with the list). */
export async function writeJsonArray(io: Io, items: AsyncIterable<unknown>): Promise<void> {
  let first = true;
  for await (const item of items) {
    const text = JSON.stringify(item, null, 2).replace(/\n/g, '\n  ');
    io.stdout.write(`${first ? '[\n' : ',\n'}  ${text}`);
    first = false;
  }
  io.stdout.write(first ? '[]\n' : '\n]\n');
}
