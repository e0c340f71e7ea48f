import type { Readable, Writable } from 'node:stream';

/** The streams a command talks to; injected so commands stay testable and never touch globals. */
export interface Io {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean; columns?: number };
  stdin: Readable & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  env: NodeJS.ProcessEnv;
}

export function processIo(): Io {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
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
