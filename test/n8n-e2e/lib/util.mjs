/** Logging, assertions and waiting for the real-engine e2e (plain JS: it runs on Node 20). */
import { createServer } from 'node:net';

const started = Date.now();

/** Seconds since the script started. */
export const elapsed = () => (Date.now() - started) / 1000;

export const log = (message) =>
  process.stderr.write(`[n8n-e2e ${elapsed().toFixed(1)}s] ${message}\n`);

export function check(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message}`);
  log(`ok: ${message}`);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitFor(what, predicate, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await sleep(250);
  }
  throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
}

export async function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
    server.on('error', fail);
  });
}

/** `1536 MiB`-style sizes for the log. */
export const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
