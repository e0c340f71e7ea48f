#!/usr/bin/env node
/**
 * Publishes every public workspace package whose version is not on the registry yet, dependencies
 * first. The release workflow runs it (as `npm run release`, after `npm ci` built everything);
 * test/release runs the same script against a local registry.
 *
 *   node scripts/publish-packages.mjs [npm options…]
 *
 * Options after the script name go to every `npm view` and `npm publish` it runs. Every
 * package's publishConfig asks for provenance, which only a CI provider with an OIDC token can
 * give; npm lets a command-line flag win over publishConfig but not an environment variable, so
 * `npm_config_provenance=false` in the environment is passed on as `--provenance=false` (a local
 * registry: `npm_config_registry=http://127.0.0.1:4873/ npm_config_provenance=false npm run
 * release`). Re-running after a partial failure publishes only what is missing.
 *
 * Before publishing a package it checks that what its manifest points at (main, types, exports,
 * bin) was built and that README.md and LICENSE are there: `npm publish` itself would ship a
 * tarball without them.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The public workspace packages, each after the workspace packages it depends on. */
export function publishablePackages() {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const packages = manifest.workspaces
    .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) }))
    .filter(({ pkg }) => pkg.private !== true);
  const names = new Set(packages.map(({ pkg }) => pkg.name));
  const ordered = [];
  const visit = (entry, path = []) => {
    if (ordered.includes(entry)) return;
    if (path.includes(entry.pkg.name))
      throw new Error(`dependency cycle: ${[...path, entry.pkg.name].join(' → ')}`);
    const deps = { ...entry.pkg.dependencies, ...entry.pkg.peerDependencies };
    for (const name of Object.keys(deps).filter((n) => names.has(n))) {
      visit(
        packages.find(({ pkg }) => pkg.name === name),
        [...path, entry.pkg.name],
      );
    }
    ordered.push(entry);
  };
  for (const entry of packages) visit(entry);
  return ordered;
}

/** The files a manifest names, which must exist in the package folder before packing. */
function declaredFiles(pkg) {
  const files = new Set(['README.md', 'LICENSE']);
  if (pkg.main) files.add(pkg.main);
  if (pkg.types) files.add(pkg.types);
  const walk = (value) => {
    if (typeof value === 'string') files.add(value);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(pkg.exports);
  walk(pkg.bin);
  for (const key of ['nodes', 'credentials'])
    for (const file of pkg.n8n?.[key] ?? []) files.add(file);
  return [...files];
}

function isPublished(name, version, npmArgs) {
  try {
    // a package that exists without this version: exit 0 and nothing printed
    const out = execFileSync('npm', ['view', `${name}@${version}`, 'version', ...npmArgs], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
    return out.trim() === version;
  } catch (error) {
    if (/E404|404 Not Found|is not in this registry/.test(String(error.stderr))) return false;
    throw new Error(`npm view ${name}@${version} failed:\n${error.stderr}`);
  }
}

function main(npmArgs) {
  let published = 0;
  for (const { dir, pkg } of publishablePackages()) {
    const id = `${pkg.name}@${pkg.version}`;
    const missing = declaredFiles(pkg).filter((file) => !existsSync(join(root, dir, file)));
    if (missing.length > 0) {
      throw new Error(
        `${id}: ${missing.join(', ')} missing in ${dir} (run \`npm run build\` first; README.md and LICENSE are committed)`,
      );
    }
    if (isPublished(pkg.name, pkg.version, npmArgs)) {
      process.stdout.write(`${id} is already on the registry: skipped\n`);
      continue;
    }
    process.stdout.write(`publishing ${id} from ${dir}\n`);
    execFileSync('npm', ['publish', '--workspace', dir, ...npmArgs], {
      cwd: root,
      stdio: 'inherit',
    });
    published += 1;
  }
  process.stdout.write(`${published} package(s) published\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const provenance =
    // biome-ignore lint/suspicious/noUndeclaredEnvVars: npm's own configuration, not a turbo input
    process.env.npm_config_provenance ??
    // biome-ignore lint/suspicious/noUndeclaredEnvVars: npm's own configuration, not a turbo input
    process.env.NPM_CONFIG_PROVENANCE;
  if (provenance === 'false' && !args.some((arg) => arg.startsWith('--provenance'))) {
    args.push('--provenance=false');
  }
  try {
    main(args);
  } catch (error) {
    process.stderr.write(`publish-packages: ${error.message}\n`);
    process.exit(1);
  }
}
