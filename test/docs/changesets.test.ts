/**
 * Versioning with Changesets, as the release pull request does it: `npm run version-packages` on a
 * copy of the workspace's manifests, lockfile and .changeset/ with one changeset, then the
 * versions, the changelogs, the internal ranges and the lockfile are checked.
 */
import { execSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const copy = mkdtempSync(join(tmpdir(), 'gencove-changesets-'));
afterAll(() => rmSync(copy, { recursive: true, force: true }));

const read = (path: string) => JSON.parse(readFileSync(join(copy, path), 'utf8'));

describe('npm run version-packages', () => {
  it('bumps the changed package, its dependents and their ranges, and writes the changelogs', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    for (const file of ['package.json', 'package-lock.json', '.changeset/config.json']) {
      cpSync(join(root, file), join(copy, file));
    }
    for (const dir of manifest.workspaces as string[]) {
      for (const file of ['package.json', 'CHANGELOG.md']) {
        if (existsSync(join(root, dir, file))) cpSync(join(root, dir, file), join(copy, dir, file));
      }
    }
    // the workspace's tools (the packages' own links point into the copy's folders)
    symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
    writeFileSync(
      join(copy, '.changeset/brave-lab-sings.md'),
      '---\n"@gencove/core": minor\n---\n\nResumable downloads of archived samples.\n',
    );
    const before = {
      core: read('packages/core/package.json').version as string,
      cli: read('packages/cli/package.json').version as string,
      action: read('packages/github-action/package.json').version as string,
      n8n: read('packages/n8n-nodes/package.json').version as string,
    };

    execSync('npm run version-packages', {
      cwd: copy,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, npm_config_prefer_offline: 'true', npm_config_audit: 'false' },
    });

    const core = read('packages/core/package.json');
    const [major, minor] = before.core.split('.').map(Number);
    const next = major === 0 ? `0.${minor! + 1}.0` : `${major}.${minor! + 1}.0`;
    expect(core.version).toBe(next);
    const changelog = readFileSync(join(copy, 'packages/core/CHANGELOG.md'), 'utf8');
    expect(changelog).toContain(`## ${next}`);
    expect(changelog).toContain('Resumable downloads of archived samples.');
    expect(existsSync(join(copy, '.changeset/brave-lab-sings.md'))).toBe(false);

    // a dependent: its range follows, and it gets a patch release saying so
    const cli = read('packages/cli/package.json');
    expect(cli.dependencies['@gencove/core']).toBe(`^${next}`);
    expect(cli.version).not.toBe(before.cli);
    expect(readFileSync(join(copy, 'packages/cli/CHANGELOG.md'), 'utf8')).toContain(
      `@gencove/core@${next}`,
    );
    // the actions bundle core: a new core is a new release of the action repositories
    const action = read('packages/github-action/package.json');
    expect(action.dependencies['@gencove/core']).toBe(`^${next}`);
    expect(action.version).not.toBe(before.action);
    // a devDependency moves its range, not the version of the package that has it
    const n8n = read('packages/n8n-nodes/package.json');
    expect(n8n.devDependencies['@gencove/core']).toBe(`^${next}`);
    expect(n8n.version).toBe(before.n8n);
    // the lockfile knows the new versions (npm ci on the release commit links the workspace)
    const lock = read('package-lock.json');
    expect(lock.packages['packages/core'].version).toBe(next);
    expect(lock.packages['packages/cli'].version).toBe(cli.version);
  });
});
