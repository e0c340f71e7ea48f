#!/usr/bin/env node
/**
 * The n8n SDK (n8n-workflow, n8n-core, @n8n/di, pinned to the engine of test/n8n-e2e) and
 * @n8n/node-cli live in ./tools with their own lockfile, outside the npm workspace:
 * n8n-workflow depends on isolated-vm, whose install script cannot build on Node 20, so having
 * them in the workspace would break `npm ci`. They are installed here with --ignore-scripts
 * (nothing we use needs a native build) and linked into ./node_modules so that tsc, eslint and
 * the in-process tests resolve them like ordinary dependencies.
 *
 *   node scripts/tools.mjs ensure   install (once per lockfile) and link
 *   node scripts/tools.mjs lint     ensure, then `n8n-node lint`
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const toolsDir = join(pkgDir, 'tools');
const toolsModules = join(toolsDir, 'node_modules');
const stampFile = join(toolsModules, '.gencove-tools-stamp');
const LINKED = ['n8n-workflow', 'n8n-core', '@n8n/di', '@n8n/node-cli', 'eslint'];

function run(command, args, options) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function lockHash() {
  const lock = readFileSync(join(toolsDir, 'package-lock.json'));
  const manifest = readFileSync(join(toolsDir, 'package.json'));
  return createHash('sha256').update(lock).update(manifest).digest('hex');
}

function install() {
  const wanted = lockHash();
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === wanted) return;
  process.stderr.write('n8n-nodes-gencove: installing the pinned n8n SDK into tools/ (once)…\n');
  // --ignore-scripts: isolated-vm (and a few optional natives) cannot build on Node 20 and are
  // not needed by the SDK parts we load. --workspaces=false keeps npm inside tools/.
  run(
    'npm',
    [
      'install',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      '--workspaces=false',
      '--loglevel=error',
    ],
    { cwd: toolsDir },
  );
  writeFileSync(stampFile, wanted);
}

function link() {
  for (const name of LINKED) {
    const target = join(toolsModules, name);
    const linkPath = join(pkgDir, 'node_modules', name);
    if (existsSync(linkPath) || isSymlink(linkPath)) {
      if (isSymlink(linkPath)) rmSync(linkPath);
      else continue; // a real install (e.g. by npm) wins
    }
    mkdirSync(dirname(linkPath), { recursive: true });
    symlinkSync(relative(dirname(linkPath), target), linkPath, 'dir');
  }
}

function isSymlink(path) {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

function lint() {
  const bin = join(toolsModules, '.bin');
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
  run(join(bin, 'n8n-node'), ['lint'], { cwd: pkgDir, env });
}

const command = process.argv[2] ?? 'ensure';
install();
link();
if (command === 'lint') lint();
else if (command !== 'ensure') {
  process.stderr.write(`unknown command ${command}; use ensure or lint\n`);
  process.exit(2);
}
