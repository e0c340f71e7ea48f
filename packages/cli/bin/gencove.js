#!/usr/bin/env node
// The `gencove` bin. It is committed (dist/ is built) so that `npm ci` in a clone can link it
// before anything is built: `npx gencove` then always runs this package, never a registry one.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(entry)) {
  // Only a source checkout can get here: the published package always ships dist/.
  process.stderr.write(
    'gencove: this checkout is not built yet (dist/bin.js is missing). Run `npm run build` at the repository root, then try again.\n',
  );
  process.exit(1);
}
await import(entry.href);
