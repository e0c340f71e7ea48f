#!/usr/bin/env node
/**
 * Builds the community package into dist/ with the layout `n8n-node build` produces
 * (dist/credentials/*.credentials.js, dist/nodes/<Node>/<Node>.node.js, icons and codex JSON
 * next to them), but bundled: n8n loads CommonJS and the package must have no runtime
 * dependencies, so @gencove/core and its dependencies are inlined — once, in
 * dist/lib/gencove-core.js, which every node requires. `n8n-workflow` stays external: n8n
 * provides it (peer dependency), and errors must be instances of n8n's own classes.
 */
import { cp, mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const pkgDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(pkgDir, 'dist');
const CORE_BUNDLE = 'lib/gencove-core.js';
/** Modules served by the runtime bundle (see scripts/runtime-entry.mjs). */
const RUNTIME_MODULES = /^@gencove\/core$/;

async function filesUnder(dir, predicate) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath ?? entry.path, entry.name);
    if (entry.isFile() && predicate(entry.name)) out.push(path);
  }
  return out;
}

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  legalComments: 'none',
};

await rm(dist, { recursive: true, force: true });

// 1. @gencove/core with every dependency (AWS SDK, undici, zod, csv-parse, p-limit) as one CJS file.
await build({
  ...common,
  sourcemap: false, // 6 MB of map for third-party code nobody debugs from an n8n install
  entryPoints: { [CORE_BUNDLE.replace(/\.js$/, '')]: join(pkgDir, 'scripts', 'runtime-entry.mjs') },
  outdir: dist,
});

// 2. Credentials and nodes; imports of @gencove/core point at the shared bundle.
const entries = [
  ...(await filesUnder(join(pkgDir, 'credentials'), (n) => n.endsWith('.credentials.ts'))),
  ...(await filesUnder(join(pkgDir, 'nodes'), (n) => n.endsWith('.node.ts'))),
];
// Every entry that uses core is dist/nodes/<Node>/<Node>.node.js, so the path is fixed.
const sharedCore = {
  name: 'shared-gencove-core',
  setup(b) {
    b.onResolve({ filter: RUNTIME_MODULES }, (args) => {
      if (!relative(pkgDir, args.importer).startsWith('nodes')) {
        return { errors: [{ text: `only files under nodes/ may import ${args.path}` }] };
      }
      return { path: `../../${CORE_BUNDLE}`, external: true };
    });
  },
};
await build({
  ...common,
  entryPoints: entries,
  outbase: pkgDir,
  outdir: dist,
  external: ['n8n-workflow'],
  plugins: [sharedCore],
});

// 3. Icons and codex files, as `n8n-node build` copies them.
for (const dir of ['credentials', 'nodes']) {
  const statics = await filesUnder(join(pkgDir, dir), (n) => /\.(svg|png)$|\.node\.json$/.test(n));
  for (const file of statics) {
    const target = join(dist, relative(pkgDir, file));
    await mkdir(dirname(target), { recursive: true });
    await cp(file, target);
  }
}
