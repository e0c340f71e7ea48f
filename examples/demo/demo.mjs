#!/usr/bin/env node
// The main user story, end to end, through the real `gencove` CLI against an embedded sandbox:
// list projects → upload a FASTQ folder and assign it → import FASTQs by URL → wait → list → download.
// Starts everything on free 127.0.0.1 ports, leaves nothing running and nothing on disk.
// Each command is printed as a user would type it from the repository root after `npm ci`
// (`npx gencove …`, README "Quick start") and run exactly so.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSandbox } from '@gencove/sandbox';
import { writeDemoFastqs, writeUrlMapFile } from './fixtures.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '../..');
const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

async function main() {
  const work = await mkdtemp(join(tmpdir(), 'gencove-demo-'));
  const sandbox = await startSandbox({ pipeline: { stepMs: 300 } });
  const env = {
    ...process.env,
    GENCOVE_HOST: sandbox.url,
    GENCOVE_API_KEY: sandbox.apiKey,
    GENCOVE_LOCALSTACK_S3_ENDPOINT: sandbox.s3Url,
    XDG_CACHE_HOME: join(work, 'cache'),
  };
  const gencove = (args) => run(args, { env, cwd: repoRoot });
  try {
    console.log(bold(`Sandbox API ${sandbox.url}, S3 ${sandbox.s3Url}; files in ${work}`));
    console.log(
      bold(
        `Commands run from ${repoRoot} with GENCOVE_HOST=${sandbox.url}, GENCOVE_LOCALSTACK_S3_ENDPOINT=${sandbox.s3Url} and the sandbox's GENCOVE_API_KEY\n`,
      ),
    );
    const project = sandbox.projects.default;

    await step('Your projects', () => gencove(['projects', 'list']));

    const reads = join(work, 'runs', '2026-11-24');
    const files = await writeDemoFastqs(reads, ['PLT7-A01', 'PLT7-A02', 'PLT7-A03']);
    await step(`Upload ${files.length} FASTQs and assign them to the project`, () =>
      gencove([
        'upload',
        reads,
        'gncv://demo/plate-7',
        '--run-project-id',
        project,
        '--metadata',
        '{"plate": 7}',
        '--output',
        join(work, 'assigned.json'),
        '--no-progress',
      ]),
    );

    await step('Upload the same folder again: nothing is sent twice', () =>
      gencove(['upload', reads, 'gncv://demo/plate-7', '--no-progress']),
    );

    const mapFile = await writeUrlMapFile(sandbox, work, ['PLT7-URL1']);
    await step('Import FASTQs from presigned URLs (urls.fastq-map.csv)', () =>
      gencove([
        'upload',
        mapFile,
        'gncv://demo/url-import',
        '--run-project-id',
        project,
        '--output',
        join(work, 'imported.json'),
        '--no-progress',
      ]),
    );

    await step('Wait until every uploaded sample has finished', () =>
      gencove([
        'wait',
        '--project-id',
        project,
        '--from-output',
        join(work, 'assigned.json'),
        '--timeout',
        '2m',
        '--poll-interval',
        '1s',
      ]),
    );

    await step('Samples of the project', () => gencove(['projects', 'list-samples', project]));

    const out = join(work, 'results');
    const runSamples = [
      ...JSON.parse(await readFile(join(work, 'assigned.json'), 'utf8')),
      ...JSON.parse(await readFile(join(work, 'imported.json'), 'utf8')),
    ].map((entry) => entry.sample);
    await step("Download this run's deliverables, verified against their sha256", () =>
      gencove([
        'download',
        out,
        '--sample-ids',
        runSamples.join(','),
        '--checksums',
        '--no-progress',
      ]),
    );
    const delivered = await listFiles(out);
    console.log(`${delivered.length} files delivered:`);
    for (const file of delivered) console.log(`  ${relative(out, file.path)}  ${file.size} bytes`);
    if (delivered.length === 0) throw new Error('the download delivered no files');

    console.log(bold('\nDemo finished: upload → assign → import → wait → download all worked.'));
  } finally {
    await sandbox.close();
    await rm(work, { recursive: true, force: true });
  }
}

async function step(title, action) {
  console.log(bold(`\n▶ ${title}`));
  await action();
}

/** A word as a POSIX shell reads it back: quoted only when it has to be. */
const shellWord = (word) =>
  /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;

function run(args, { env, cwd }) {
  const command = ['npx', 'gencove', ...args];
  console.log(`$ ${command.map(shellWord).join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], command.slice(1), { env, cwd, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`gencove ${args[0]} exited with ${code}`)),
    );
  });
}

async function listFiles(dir) {
  const found = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath ?? entry.path, entry.name);
    found.push({ path, size: (await stat(path)).size });
  }
  return found.sort((a, b) => a.path.localeCompare(b.path));
}

main().catch((error) => {
  console.error(`Demo failed: ${error.message}`);
  process.exit(1);
});
