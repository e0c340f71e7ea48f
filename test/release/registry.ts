/**
 * A real npm registry on 127.0.0.1 for the release suite: verdaccio (pinned in registry/, its own
 * lockfile, installed once outside the npm workspace) with a throwaway config, storage and user.
 * Our packages can only come from its storage (no uplink for them); everything else is proxied
 * from the registry npm is configured with, as a lab's mirror would.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const registryDir = join(dirname(fileURLToPath(import.meta.url)), 'registry');
const verdaccioBin = join(registryDir, 'node_modules/verdaccio/bin/verdaccio');

/** Installs the pinned verdaccio once (a stamp of its manifest and lockfile marks it done). */
export function installVerdaccio(): void {
  const stamp = join(registryDir, 'node_modules/.gencove-release-stamp');
  const current = createHash('sha256')
    .update(readFileSync(join(registryDir, 'package.json')))
    .update(readFileSync(join(registryDir, 'package-lock.json')))
    .digest('hex');
  if (existsSync(verdaccioBin) && existsSync(stamp) && readFileSync(stamp, 'utf8') === current) {
    return;
  }
  execFileSync(
    'npm',
    ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--workspaces=false', '--loglevel=error'],
    { cwd: registryDir, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  writeFileSync(stamp, current);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
    server.on('error', reject);
  });
}

export interface LocalRegistry {
  url: string;
  /** An npmrc with the registry and the publisher's token (for publishing and installing). */
  npmrc: string;
  close(): Promise<void>;
}

/** The registry npm uses on this machine: verdaccio's uplink for third-party packages. */
function upstreamRegistry(): string {
  return execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).trim();
}

export async function startRegistry(): Promise<LocalRegistry> {
  installVerdaccio();
  const home = await mkdtemp(join(tmpdir(), 'gencove-registry-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  await mkdir(join(home, 'storage'));
  await writeFile(
    join(home, 'config.yaml'),
    [
      `storage: ${join(home, 'storage')}`,
      'auth:',
      '  htpasswd:',
      `    file: ${join(home, 'htpasswd')}`,
      '    max_users: 1',
      'uplinks:',
      '  upstream:',
      `    url: ${upstreamRegistry()}`,
      'packages:',
      // ours: only what was published here, never a look-up upstream
      "  '@gencove/*':",
      '    access: $all',
      '    publish: $authenticated',
      "  'n8n-nodes-gencove':",
      '    access: $all',
      '    publish: $authenticated',
      "  '**':",
      '    access: $all',
      '    proxy: upstream',
      'log: { type: stdout, format: pretty, level: warn }',
      '',
    ].join('\n'),
  );
  const child = spawn(
    process.execPath,
    [verdaccioBin, '--config', join(home, 'config.yaml'), '--listen', `127.0.0.1:${port}`],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_NO_WARNINGS: '1' } },
  );
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await rm(home, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ok = await fetch(`${url}-/ping`)
        .then((res) => res.ok)
        .catch(() => false);
      if (ok) break;
      if (child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`verdaccio did not start:\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // the publisher's account, as `npm adduser` creates it
    const user = await fetch(`${url}-/user/org.couchdb.user:release`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'release', password: 'release-test-password', type: 'user' }),
    });
    const { token } = (await user.json()) as { token?: string };
    if (!user.ok || !token) throw new Error(`verdaccio refused the test user (${user.status})`);
    const npmrc = join(home, 'npmrc');
    await writeFile(
      npmrc,
      `registry=${url}\n//127.0.0.1:${port}/:_authToken=${token}\nfund=false\naudit=false\nupdate-notifier=false\n`,
    );
    return { url, npmrc, close };
  } catch (error) {
    await close();
    throw error;
  }
}
