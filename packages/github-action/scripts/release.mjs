#!/usr/bin/env node
/**
 * Publishes each action into its own repository (`<owner>/upload`, `<owner>/wait`, …) so that
 * users can write `uses: gencove/upload@v1` and each action can be listed on the Marketplace,
 * which wants one action per repository with action.yml at its root.
 *
 *   node packages/github-action/scripts/release.mjs --version v1.4.0 [--owner gencove] [--push]
 *   node packages/github-action/scripts/release.mjs --version v1.4.0 --out /tmp/actions
 *
 * For every action it assembles: action.yml (runs.main pointing at dist/ inside the repository),
 * the action's bundle with exactly the chunks it imports (and, for setup, the CLI bundle), a
 * README generated from action.yml, and the LICENSE. Then, with --push, it clones the action
 * repository, replaces its content, commits "Release vX.Y.Z (monorepo <sha>)", creates the
 * annotated tag vX.Y.Z, moves the major tag (v1) to it, and pushes the branch and both tags.
 * Without --push (or with --out) nothing leaves the machine: the assembled trees are written to
 * --out (default: a temporary folder) for inspection.
 *
 * Preconditions it checks: a clean work tree, and dist/ identical to what the sources build
 * (scripts/check-dist.mjs). Pushing needs git credentials allowed to push to every action
 * repository (e.g. a GitHub App token in a release workflow). Marketplace: the first listing of
 * each repository is made once in the GitHub web UI ("Draft a release" → "Publish this Action to
 * the GitHub Marketplace"); later releases are listed by `gh release create vX.Y.Z --repo
 * <owner>/<action> --notes-from-tag`, which this script prints for every action after a push.
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(packageDir, '../..');
export const ACTIONS = ['upload', 'import-urls', 'wait', 'download', 'setup'];

const run = (command, args, cwd) =>
  execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

/** The files of dist/ an entry needs: itself and every chunk it imports, transitively. */
export async function bundleFiles(entry) {
  const needed = new Set();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop();
    if (needed.has(file)) continue;
    needed.add(file);
    const text = await readFile(join(packageDir, 'dist', file), 'utf8');
    for (const match of text.matchAll(
      /(?:from\s*|import\s*\(\s*|import\s+)["'](\.\.?\/[^"']+\.mjs)["']/g,
    )) {
      pending.push(join(dirname(file), match[1]).replace(/\\/g, '/'));
    }
  }
  return [...needed].sort();
}

function readme(action, meta, owner, version) {
  const major = version.split('.')[0];
  const rows = (entries) =>
    Object.entries(entries ?? {})
      .map(([name, spec]) => {
        const extra = [
          spec.required ? 'required' : '',
          spec.default !== undefined ? `default \`${spec.default}\`` : '',
        ]
          .filter(Boolean)
          .join(', ');
        return `| \`${name}\` | ${spec.description.replace(/\s+/g, ' ').replace(/\|/g, '\\|')}${extra ? ` (${extra})` : ''} |`;
      })
      .join('\n');
  const required = Object.entries(meta.inputs ?? {}).filter(([, spec]) => spec.required);
  const withLines = [
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a template
    action === 'setup' ? '' : '    api-key: ${{ secrets.GENCOVE_API_KEY }}',
    ...required.map(([name]) => `    ${name}: …`),
  ].filter(Boolean);
  return `# ${meta.name}

${meta.description}

Part of the Gencove automation toolkit; built from its monorepo, where the issues and the source
live. This repository only holds the released bundle.

\`\`\`yaml
- uses: ${owner}/${action}@${major}
${withLines.length > 0 ? `  with:\n${withLines.join('\n')}\n` : ''}\`\`\`

## Inputs

| Input | Description |
| --- | --- |
${rows(meta.inputs)}

## Outputs

| Output | Description |
| --- | --- |
${rows(meta.outputs)}
`;
}

/** Writes the repository content of one action into `target`. */
export async function assemble(action, target, { owner, version }) {
  const meta = parse(await readFile(join(packageDir, action, 'action.yml'), 'utf8'));
  const entry = `${action}.mjs`;
  const files = await bundleFiles(entry);
  if (action === 'setup') files.push('gencove-cli.mjs');
  await mkdir(join(target, 'dist'), { recursive: true });
  for (const file of files) {
    await mkdir(dirname(join(target, 'dist', file)), { recursive: true });
    await cp(join(packageDir, 'dist', file), join(target, 'dist', file));
  }
  const actionYml = (await readFile(join(packageDir, action, 'action.yml'), 'utf8')).replace(
    `main: ../dist/${entry}`,
    `main: dist/${entry}`,
  );
  if (!actionYml.includes(`main: dist/${entry}`))
    throw new Error(`${action}/action.yml: unexpected runs.main`);
  await writeFile(join(target, 'action.yml'), actionYml);
  await writeFile(join(target, 'README.md'), readme(action, meta, owner, version));
  // the monorepo's MIT licence, word for word: a release without it would not be open source
  await cp(join(repoRoot, 'LICENSE'), join(target, 'LICENSE'));
  await writeFile(join(target, '.gitattributes'), 'dist/** -diff linguist-generated=true\n');
  return files;
}

async function main() {
  const { values } = parseArgs({
    options: {
      version: { type: 'string' },
      owner: { type: 'string', default: 'gencove' },
      out: { type: 'string' },
      push: { type: 'boolean', default: false },
      remote: { type: 'string', default: 'https://github.com' },
    },
  });
  const version = values.version ?? '';
  if (!/^v\d+\.\d+\.\d+$/.test(version)) throw new Error('--version must look like v1.4.0');
  const major = version.split('.')[0];
  if (values.push) {
    if (run('git', ['status', '--porcelain'], repoRoot).trim())
      throw new Error('The work tree is not clean.');
    execFileSync(process.execPath, [join(packageDir, 'scripts/check-dist.mjs')], {
      stdio: 'inherit',
    });
  }
  let sha = 'uncommitted';
  try {
    sha = run('git', ['rev-parse', '--short', 'HEAD'], repoRoot).trim();
  } catch {
    if (values.push) throw new Error('Nothing is committed yet.');
  }
  const out = values.out ? resolve(values.out) : await mkdtemp(join(tmpdir(), 'gencove-actions-'));

  for (const action of ACTIONS) {
    const target = join(out, action);
    if (values.push) {
      const url = `${values.remote}/${values.owner}/${action}.git`;
      // a re-run after a partial failure skips the repositories that already have this release
      if (run('git', ['ls-remote', '--tags', url, `refs/tags/${version}`], out).trim()) {
        process.stdout.write(`${action}: ${version} is already released: skipped\n`);
        continue;
      }
      await rm(target, { recursive: true, force: true });
      run('git', ['clone', '--depth', '1', url, target], out);
      for (const name of await readdir(target))
        if (name !== '.git') await rm(join(target, name), { recursive: true });
    }
    const files = await assemble(action, target, { owner: values.owner, version });
    process.stdout.write(`${action}: ${files.length} bundle file(s) → ${target}\n`);
    if (!values.push) continue;
    run('git', ['add', '--all'], target);
    run('git', ['commit', '--allow-empty', '-m', `Release ${version} (monorepo ${sha})`], target);
    run('git', ['tag', '-a', version, '-m', `${action} ${version}`], target);
    run('git', ['tag', '-f', '-a', major, '-m', `${action} ${version}`], target);
    run('git', ['push', 'origin', 'HEAD'], target);
    run('git', ['push', 'origin', version], target);
    run('git', ['push', '--force', 'origin', major], target);
    process.stdout.write(
      `  pushed ${version}, moved ${major}; list it: gh release create ${version} --repo ${values.owner}/${action} --notes-from-tag\n`,
    );
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    process.stderr.write(`release: ${error.message}\n`);
    process.exit(1);
  });
}
