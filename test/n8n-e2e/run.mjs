#!/usr/bin/env node
/**
 * The n8n nodes in the real engine (n8n@2.41.1 on Node 24), headless, against sandboxes on
 * 127.0.0.1. Exit 0 when every scenario passes:
 *   regular  one n8n process: the four examples (upload → assign, list → download, the polling
 *            and the signed-webhook triggers), a workflow saved with version 1 of the node, the
 *            file-access setting of n8n 2.x                           (scenarios/regular.mjs)
 *   big      a FASTQ over 1 GiB up and back down through the examples, sha256 on both ends,
 *            the n8n process's peak RSS reported                     (scenarios/big-file.mjs)
 *   queue    Redis, a main process and two workers: the examples, each trigger firing once per
 *            finished sample across workers and restarts of main     (scenarios/queue.mjs)
 * each followed by a leak scan of its outputs and files. `node run.mjs queue` runs only the
 * scenarios named. Prerequisite: `npm run build` (packages/n8n-nodes/dist, packages/sandbox/dist).
 * The engine is installed by this script into test/n8n-e2e/app (own lockfile, outside the
 * workspace); queue mode installs Debian's redis-server when it is missing.
 */
import { installEngine, requireBuilds } from './lib/engine.mjs';
import { elapsed, log, mib } from './lib/util.mjs';
import { bigFileTransfer } from './scenarios/big-file.mjs';
import { queueMode } from './scenarios/queue.mjs';
import { regularMode } from './scenarios/regular.mjs';

const SCENARIOS = { regular: regularMode, big: bigFileTransfer, queue: queueMode };
const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!(name in SCENARIOS)) {
    process.stderr.write(`unknown scenario ${name} (have: ${Object.keys(SCENARIOS).join(', ')})\n`);
    process.exit(2);
  }
}

const timings = [];
try {
  installEngine();
  requireBuilds();
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    if (wanted.length > 0 && !wanted.includes(name)) continue;
    const start = elapsed();
    log(`=== ${name} ===`);
    const figures = await scenario();
    timings.push(`${name} ${(elapsed() - start).toFixed(0)} s`);
    if (figures) {
      for (const [what, f] of Object.entries(figures)) {
        log(`figure: ${name} ${what}: ${f.seconds.toFixed(1)} s, n8n peak RSS ${mib(f.peakRss)}`);
      }
    }
  }
  log(`all scenarios passed in ${elapsed().toFixed(0)} s (${timings.join(', ')})`);
} catch (error) {
  // scenarios redact their own secrets from what they throw
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exitCode = 1;
}
