#!/usr/bin/env node
/**
 * CI gate: rebuilds the committed bundles and fails when dist/ differs from what is committed —
 * changed, deleted or new files (a new chunk is an untracked file, which `git diff` alone misses).
 */
import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = 'packages/github-action/dist';
const repoRoot = resolve(packageDir, '../..');
const git = (...args) => execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8' });

execFileSync(process.execPath, [resolve(packageDir, 'scripts/build.mjs')], { stdio: 'inherit' });
const changes = git('status', '--porcelain', '--untracked-files=all', '--', dist).trim();
if (changes) {
  process.stderr.write(
    `\n${dist} is not what the sources build. Run \`npm run build -w @gencove/github-action\` and commit the result:\n${changes}\n`,
  );
  process.stderr.write(git('diff', '--stat', '--', dist));
  process.exit(1);
}
process.stdout.write(`${dist} matches the sources.\n`);
