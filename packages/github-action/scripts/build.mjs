#!/usr/bin/env node
/**
 * Bundles every action (and the `gencove` CLI the `setup` action installs) into dist/.
 *
 * The output is committed and checked by `npm run check-dist` at the repository root, so it must
 * be byte-for-byte reproducible: fixed working directory (paths in comments are relative to the
 * repository root), no source maps, no timestamps, and @gencove/core and @gencove/cli are taken
 * from their TypeScript sources so the result does not depend on whether their dist/ is fresh.
 */
import { cp, mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(packageDir, '../..');
const distDir = join(packageDir, 'dist');
const stagingDir = join(packageDir, 'dist.staging');

export const ACTIONS = ['upload', 'import-urls', 'wait', 'download', 'setup'];

// @actions/core 3.x is ESM-only, but the AWS SDK and a few others still call require() for Node
// built-ins; ESM output has no require, so give the bundle one.
const banner = [
  "import { createRequire as __gencoveCreateRequire } from 'node:module';",
  'const require = __gencoveCreateRequire(import.meta.url);',
].join('\n');

const common = {
  absWorkingDir: repoRoot,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  mainFields: ['module', 'main'],
  conditions: ['node', 'import'],
  alias: {
    '@gencove/core': './packages/core/src/index.ts',
  },
  banner: { js: banner },
  legalComments: 'eof',
  sourcemap: false,
  logLevel: 'warning',
  metafile: true,
};

/** `node scripts/build.mjs wait setup` builds only those (quick local iteration); no argument: all. */
async function main(only = process.argv.slice(2)) {
  const actions = only.length > 0 ? ACTIONS.filter((a) => only.includes(a)) : ACTIONS;
  // Build into a fresh folder and swap it in only when every bundle built: a failed build leaves
  // the committed dist/ untouched, and a renamed action or an old chunk cannot linger.
  await rm(stagingDir, { recursive: true, force: true });
  await mkdir(stagingDir, { recursive: true });
  const results = await Promise.all([
    // The actions share chunks (core, the AWS SDK): one copy instead of five. Chunk names carry
    // a content hash, so they change only when their content does.
    build({
      ...common,
      entryPoints: Object.fromEntries(
        actions.map((action) => [action, join(packageDir, 'src', action, 'main.ts')]),
      ),
      outdir: stagingDir,
      splitting: true,
      chunkNames: 'chunks/[name]-[hash]',
      outExtension: { '.js': '.mjs' },
    }),
    // The CLI that `setup` installs must be one self-contained file.
    build({
      ...common,
      entryPoints: [join(repoRoot, 'packages/cli/src/bin.ts')],
      outfile: join(stagingDir, 'gencove-cli.mjs'),
    }),
  ]);
  if (only.length === 0) {
    await rm(distDir, { recursive: true, force: true });
    await rename(stagingDir, distDir);
  } else {
    await cp(stagingDir, distDir, { recursive: true });
    await rm(stagingDir, { recursive: true, force: true });
  }
  for (const result of results) {
    for (const [file, output] of Object.entries(result.metafile.outputs)) {
      const kib = (output.bytes / 1024).toFixed(0).padStart(6);
      process.stdout.write(`${kib} KiB  ${file.replace('dist.staging', 'dist')}\n`);
    }
  }
}

await main();
