/**
 * Redis for n8n's queue mode: Debian's `redis-server`, installed by the test itself when missing
 * (as root, like the bench's `apt-get install -y nginx aria2`), started on a free loopback port
 * with no persistence, and stopped by the test.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { log, waitFor } from './util.mjs';

const hasRedis = () => spawnSync('sh', ['-c', 'command -v redis-server']).status === 0;

export function ensureRedisServer() {
  if (hasRedis()) return;
  log('installing Debian redis-server (apt-get install -y redis-server)…');
  const apt = (args) =>
    spawnSync('apt-get', args, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    }).status;
  // a fresh machine may have empty package lists: update once, then retry
  if (apt(['install', '-y', '--no-install-recommends', 'redis-server']) !== 0) {
    if (
      apt(['update']) !== 0 ||
      apt(['install', '-y', '--no-install-recommends', 'redis-server']) !== 0
    ) {
      throw new Error('could not install redis-server: apt-get install -y redis-server failed');
    }
  }
  if (!hasRedis()) throw new Error('redis-server is not on PATH after apt-get install');
}

/** A redis-server on 127.0.0.1:`port`, its files in `dir`; `stop()` ends it. */
export async function startRedis({ port, dir }) {
  mkdirSync(dir, { recursive: true });
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const closed = new Promise((resolve) => child.on('close', resolve));
  await waitFor(
    'redis-server to accept connections',
    () => {
      if (child.exitCode !== null)
        throw new Error(`redis-server exited ${child.exitCode}:\n${output}`);
      return /Ready to accept connections/.test(output);
    },
    30_000,
  );
  return {
    port,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await closed;
      }
    },
  };
}
