#!/usr/bin/env node
/**
 * The n8n nodes in the real engine (n8n@2.41.1 on Node 24), headless, against a sandbox on
 * 127.0.0.1. Exit 0 when all four scenarios of issue 8 pass:
 *   1. list → download → files written      (n8n execute, examples/n8n/list-download.json)
 *   2. upload binary → assign               (n8n execute, examples/n8n/upload-assign.json)
 *   3. polling trigger fires on activation  (n8n start,   examples/n8n/poll-finished.json)
 *   4. signed webhook starts the workflow, a forged one gets 401 and does not, a duplicated
 *      delivery is answered 200 twice and starts it once
 *                                           (n8n start,   examples/n8n/webhook-fetch.json)
 * Then a leak scan: no secret the sandbox issued (API key, password, JWTs, upload credentials,
 * presigned-URL signatures, the webhook secret) nor n8n's encryption key appears in n8n's
 * stdout/stderr, its log files, the execution outputs read here or the files the workflows wrote.
 * Prerequisite: `npm run build` (packages/n8n-nodes/dist, packages/sandbox/dist). The engine is
 * installed by this script into test/n8n-e2e/app (own lockfile, outside the workspace).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installEngine, n8nBin, nodeBin } from './engine.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const pkgDir = join(root, 'packages/n8n-nodes');
const started = Date.now();
const log = (message) =>
  process.stderr.write(`[n8n-e2e ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}\n`);

/**
 * Leak scan, the same idea as test/helpers/secrets.ts (plain JS here: this script runs on Node 20
 * outside vitest): a secret counts as leaked in any form it could take in a log or a JSON output
 * — verbatim, URL-encoded, JSON-escaped. Findings name the kind of secret and where, never the
 * secret itself.
 */
const secretForms = (secret) => [
  ...new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]),
];

/** Every `{kind, where}` of `sources` ({where, text}) containing one of `secrets` ({kind, value}). */
function findLeaks(sources, secrets) {
  const leaks = [];
  for (const { where, text } of sources) {
    for (const { kind, value } of secrets) {
      if (secretForms(value).some((form) => text.includes(form))) leaks.push({ kind, where });
    }
  }
  return leaks;
}

/** Replaces every form of every secret, for what this script prints when something fails. */
function redact(text, secrets) {
  let out = String(text);
  for (const { kind, value } of secrets) {
    for (const form of secretForms(value)) out = out.replaceAll(form, `[redacted ${kind}]`);
  }
  return out;
}

/** Every file under `dir` (symbolic links not followed), minus the paths `skip` accepts. */
function filesUnder(dir, skip = () => false) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath ?? entry.path, entry.name);
    if (entry.isFile() && !skip(path) && !lstatSync(path).isSymbolicLink()) out.push(path);
  }
  return out;
}

async function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
    server.on('error', fail);
  });
}

function check(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message}`);
  log(`ok: ${message}`);
}

async function waitFor(what, predicate, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
}

installEngine(log);
for (const required of [
  join(pkgDir, 'dist/nodes/Gencove/Gencove.node.js'),
  join(root, 'packages/sandbox/dist/index.js'),
]) {
  if (!existsSync(required)) throw new Error(`${required} is missing: run \`npm run build\` first`);
}
const { startSandbox } = await import(join(root, 'packages/sandbox/dist/index.js'));

const work = mkdtempSync(join(tmpdir(), 'gencove-n8n-e2e-'));
const n8nPort = await freePort();
const brokerPort = await freePort();
const webhookPath = '6f1d0c3e-4b7a-4e38-9a52-5e7c0e0a0001/gencove';
const webhookUrl = `http://127.0.0.1:${n8nPort}/webhook/${webhookPath}`;
const secret = `whsec-e2e-${randomBytes(6).toString('hex')}`;
const sandbox = await startSandbox({ pipeline: 'manual', webhook: { url: webhookUrl, secret } });
const control = sandbox.control;
const children = new Set();
/** Everything n8n printed (per command) and every execution output read here: leak-scanned. */
const outputs = [];

const env = {
  ...process.env,
  PATH: `${nodeBin}:${process.env.PATH}`,
  N8N_USER_FOLDER: join(work, 'user'),
  TMPDIR: join(work, 'tmp'),
  N8N_ENCRYPTION_KEY: randomBytes(24).toString('hex'),
  N8N_DIAGNOSTICS_ENABLED: 'false',
  N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
  N8N_PERSONALIZATION_ENABLED: 'false',
  N8N_PORT: String(n8nPort),
  N8N_LISTEN_ADDRESS: '127.0.0.1',
  N8N_HOST: '127.0.0.1',
  WEBHOOK_URL: `http://127.0.0.1:${n8nPort}/`,
  N8N_RUNNERS_BROKER_PORT: String(brokerPort),
  N8N_RESTRICT_FILE_ACCESS_TO: join(work, 'files'),
  N8N_LOG_LEVEL: 'info',
  // n8n's log goes to a file too, so that the leak scan covers it
  N8N_LOG_OUTPUT: 'console,file',
  N8N_LOG_FILE_LOCATION: join(work, 'logs/n8n.log'),
  DB_TYPE: 'sqlite',
};
mkdirSync(env.TMPDIR, { recursive: true });

// Asynchronous on purpose: the sandbox runs in this process and must keep answering meanwhile.
const n8n = (args) =>
  new Promise((ok, fail) => {
    const child = spawn(join(nodeBin, 'node'), [n8nBin, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (status) => {
      children.delete(child);
      const command = `n8n ${args[0]}${args[0] === 'execute' ? ` ${args[1]}` : ''}`;
      outputs.push({ where: `${command} stdout`, text: stdout });
      outputs.push({ where: `${command} stderr`, text: stderr });
      ok({ status, stdout, stderr });
    });
  });
const n8nOk = async (args) => {
  const result = await n8n(args);
  if (result.status !== 0)
    throw new Error(
      `n8n ${args.join(' ')} exited ${result.status}\n${result.stdout}\n${result.stderr}`,
    );
  return result;
};

try {
  // The community package, as n8n installs it: package.json + dist, no node_modules.
  const installed = join(env.N8N_USER_FOLDER, '.n8n/nodes/node_modules/n8n-nodes-gencove');
  mkdirSync(installed, { recursive: true });
  cpSync(join(pkgDir, 'package.json'), join(installed, 'package.json'));
  cpSync(join(pkgDir, 'dist'), join(installed, 'dist'), { recursive: true });
  writeFileSync(
    join(env.N8N_USER_FOLDER, '.n8n/nodes/package.json'),
    JSON.stringify({
      name: 'installed-nodes',
      private: true,
      dependencies: { 'n8n-nodes-gencove': '0.1.0' },
    }),
  );

  const files = join(work, 'files');
  const incoming = join(files, 'incoming');
  const delivered = join(files, 'delivered');
  mkdirSync(incoming, { recursive: true });
  mkdirSync(delivered, { recursive: true });
  // E2E-S1 paired-end (R1 over the node's 8 MiB part size: a streamed multipart upload),
  // E2E-S2 single-end
  const reads = {
    'E2E-S1_R1.fastq.gz': randomBytes(9 * 1024 * 1024 + 7),
    'E2E-S1_R2.fastq.gz': randomBytes(200_000),
    'E2E-S2_R1.fastq.gz': randomBytes(100_000),
  };
  for (const [name, bytes] of Object.entries(reads)) writeFileSync(join(incoming, name), bytes);

  writeFileSync(
    join(work, 'credentials.json'),
    JSON.stringify([
      {
        id: 'gencoveApiExample',
        name: 'Gencove API',
        type: 'gencoveApi',
        data: { apiKey: sandbox.apiKey, host: sandbox.url, s3Endpoint: sandbox.s3Url },
      },
      {
        id: 'gencoveWebhookExample',
        name: 'Gencove webhook secret',
        type: 'gencoveWebhookSecretApi',
        data: { secret },
      },
    ]),
  );
  // The examples with this run's project and folders instead of the placeholders.
  const workflows = join(work, 'workflows');
  mkdirSync(workflows);
  for (const name of readdirSync(join(root, 'examples/n8n')).filter((f) => f.endsWith('.json'))) {
    const text = readFileSync(join(root, 'examples/n8n', name), 'utf8')
      .replaceAll('REPLACE-WITH-YOUR-PROJECT-ID', sandbox.projects.default)
      .replaceAll('/data/gencove/', `${delivered}/`)
      .replaceAll('/data/incoming/', `${incoming}/`);
    const workflow = JSON.parse(text);
    if (workflow.id === 'gencovePollFinished') {
      const trigger = workflow.nodes.find((n) => n.type.endsWith('.gencoveTrigger'));
      // fire for samples finished before activation (the sandbox's seeds, E2E-S2) …
      trigger.parameters.includeExisting = true;
      // … and only on activation: a scheduled poll must not fetch E2E-S1 during scenario 4
      trigger.parameters.pollTimes = {
        item: [{ mode: 'custom', cronExpression: '0 0 0 1 1 *' }],
      };
    }
    writeFileSync(join(workflows, name), JSON.stringify(workflow));
  }
  log('importing credentials and workflows');
  await n8nOk(['import:credentials', `--input=${join(work, 'credentials.json')}`]);
  await n8nOk(['import:workflow', '--separate', `--input=${workflows}`]);

  const runJson = async (id) => {
    const result = await n8n(['execute', `--id=${id}`, '--rawOutput']);
    // the run's JSON is pretty-printed between a line `{` and a line `}`; log lines (task runner
    // registration, …) may come before and after it
    const lines = result.stdout.split('\n');
    const start = lines.indexOf('{');
    const end = lines.indexOf('}', start);
    if (result.status !== 0 || start < 0 || end < 0) {
      throw new Error(
        `n8n execute --id=${id} failed (${result.status})\n${result.stdout}\n${result.stderr}`,
      );
    }
    const run = JSON.parse(lines.slice(start, end + 1).join('\n'));
    outputs.push({ where: `execution output of ${id}`, text: JSON.stringify(run) });
    if (run.status !== 'success') throw new Error(`workflow ${id} ended ${run.status}`);
    return run;
  };

  // 2. upload binary → assign (first, so that scenario 1 has a sample of this run to download)
  log('scenario 2: read files → upload binary → assign');
  const before = new Set((await sandboxSamples()).map((s) => s.id));
  await runJson('gencoveUploadAssign');
  const created = (await sandboxSamples()).filter((s) => !before.has(s.id));
  const byClient = Object.fromEntries(created.map((s) => [s.client_id, s]));
  check(
    created.length === 2 && byClient['E2E-S1'] && byClient['E2E-S2'],
    'scenario 2: samples E2E-S1 and E2E-S2 were created in the project',
  );
  for (const [name, bytes] of Object.entries(reads)) {
    const [clientId, read] = name.replace('.fastq.gz', '').split('_');
    const upload = control.getUpload(byClient[clientId].uploads[read.toLowerCase()]);
    check(
      (await control.s3Object(upload.bucket, upload.key))?.equals(bytes),
      `scenario 2: ${name} on S3 equals the local file`,
    );
  }
  check(!byClient['E2E-S2'].uploads.r2, 'scenario 2: E2E-S2 is single-end');
  check(
    created.every((s) => s.metadata?.source === 'n8n'),
    'scenario 2: the metadata of the workflow reached both samples',
  );
  await control.setSampleStatus(byClient['E2E-S2'].id, 'succeeded');

  // 1. list → download → files written
  log('scenario 1: list → download → write files');
  await runJson('gencoveListDownload');
  const succeeded = (await sandboxSamples()).filter(
    (s) => s.last_status.status === 'succeeded' && s.archive_last_status.status === 'available',
  );
  check(
    succeeded
      .map((s) => s.client_id)
      .sort()
      .join() === 'E2E-S2,SEED-A01',
    'scenario 1: the project has two available succeeded samples (SEED-A01, E2E-S2)',
  );
  const written = readdirSync(delivered).sort();
  const expected = succeeded
    .map((s) => `${s.client_id}_${s.files.find((f) => f.file_type === 'impute-vcf').filename}`)
    .sort();
  check(
    JSON.stringify(written) === JSON.stringify(expected),
    `scenario 1: exactly their VCFs were written (${written.join(', ')})`,
  );
  for (const sample of succeeded) {
    const vcf = sample.files.find((f) => f.file_type === 'impute-vcf');
    const bytes = readFileSync(join(delivered, `${sample.client_id}_${vcf.filename}`));
    check(
      bytes.equals(await control.s3Object(vcf.bucket, vcf.key)),
      `scenario 1: ${sample.client_id}'s written VCF equals the deliverable`,
    );
  }

  // 3 + 4. triggers under `n8n start`
  log('scenarios 3 and 4: publish the trigger workflows and start n8n');
  await n8nOk(['publish:workflow', '--id=gencovePollFinished']);
  await n8nOk(['publish:workflow', '--id=gencoveWebhookFetch']);
  control.clearRequests();
  const server = spawn(join(nodeBin, 'node'), [n8nBin, 'start'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(server);
  server.on('close', () => children.delete(server));
  let serverLog = '';
  outputs.push({
    where: 'n8n start stdout/stderr',
    get text() {
      return serverLog;
    },
  });
  server.stdout.on('data', (d) => (serverLog += d));
  server.stderr.on('data', (d) => (serverLog += d));
  const sampleGets = () =>
    control.requests
      .filter((r) => r.method === 'GET' && /^\/api\/v2\/samples\/[0-9a-f-]{36}$/.test(r.path))
      .map((r) => r.path.split('/').pop());
  const withServerLog = async (promise) => {
    try {
      return await promise;
    } catch (error) {
      process.stderr.write(redact(serverLog.slice(-4000), knownSecrets()));
      throw error;
    }
  };

  const samples = await sandboxSamples();
  const finished = samples.filter((s) => ['succeeded', 'failed qc'].includes(s.last_status.status));
  const unfinished = samples.filter((s) => !finished.includes(s));
  await withServerLog(
    waitFor(
      'the polling trigger to fetch every finished sample',
      () => finished.every((s) => sampleGets().includes(s.id)),
      120_000,
    ),
  );
  check(
    true,
    `scenario 3: the polling trigger fired for the ${finished.length} finished samples (${finished.map((s) => s.client_id).join(', ')})`,
  );
  check(
    unfinished.every((s) => !sampleGets().includes(s.id)),
    `scenario 3: and for none of the others (${unfinished.map((s) => `${s.client_id}: ${s.last_status.status}`).join(', ')})`,
  );

  await withServerLog(
    waitFor(
      'the webhook endpoint',
      async () =>
        (await fetch(webhookUrl, { method: 'POST', body: '[]' }).catch(() => undefined))?.status ===
        401,
      60_000,
    ),
  );
  const forgedId = '00000000-0000-4000-8000-00000000f04e';
  const forgedBody = JSON.stringify([
    {
      event_id: 'forged',
      event_type: 'analysis_complete_v2',
      timestamp: new Date().toISOString(),
      payload: {
        project: { id: sandbox.projects.default },
        samples: [{ id: forgedId, client_id: 'FORGED', last_status: { status: 'succeeded' } }],
      },
    },
  ]);
  const forged = await fetch(webhookUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'Gencove-Signature': `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(128)}`,
    },
    body: forgedBody,
  });
  check(forged.status === 401, 'scenario 4: a forged webhook is answered 401');

  const target = byClient['E2E-S1'];
  // Gencove may deliver an event twice: the sandbox's webhook chaos sends this one twice, at once
  // (same event_id, body and signature).
  control.setChaos({
    seed: 1,
    label: 'e2e-webhook',
    profile: { name: 'every-webhook-twice', rules: [], webhooks: { duplicate: 1 } },
  });
  await control.setSampleStatus(target.id, 'succeeded'); // the sandbox signs and delivers analysis_complete_v2
  const deliveries = () => control.webhooks.filter((w) => w.body.includes(target.id));
  await withServerLog(
    waitFor(
      'both deliveries to be answered and the webhook workflow to fetch the sample',
      () =>
        deliveries().length === 2 &&
        deliveries().every((d) => d.status !== 0) &&
        sampleGets().includes(target.id),
      60_000,
    ),
  );
  control.setChaos(null);
  // a second execution (if the duplicate started one) would fetch the sample again within ms
  await new Promise((r) => setTimeout(r, 3000));
  const [first, second] = deliveries();
  check(
    first.body === second.body && first.signature === second.signature,
    'scenario 4: the sandbox delivered the same signed event twice',
  );
  check(
    first.status === 200 && second.status === 200,
    'scenario 4: the signed webhook and its duplicate were both accepted (200)',
  );
  const fetches = sampleGets().filter((id) => id === target.id).length;
  check(
    fetches === 1,
    `scenario 4: the signed webhook started the workflow once, its duplicate did not (E2E-S1 fetched ${fetches} time(s))`,
  );
  check(!sampleGets().includes(forgedId), 'scenario 4: the forged webhook started nothing');

  // Leak scan: stop n8n first, so that its output and log files are complete.
  await stopAll();
  const secrets = knownSecrets();
  const n8nFolder = join(env.N8N_USER_FOLDER, '.n8n');
  const scanned = [
    // what the workflows wrote, n8n's log files (its own log, event log) and temporary files
    ...filesUnder(delivered),
    ...filesUnder(join(work, 'logs')),
    ...filesUnder(env.TMPDIR),
    ...filesUnder(
      n8nFolder,
      (path) =>
        // the installed package (our dist), n8n's own config (holds the encryption key by
        // design) and its database (credentials stored encrypted; execution data as designed)
        path.startsWith(join(n8nFolder, 'nodes/')) ||
        path === join(n8nFolder, 'config') ||
        /database\.sqlite/.test(path),
    ),
  ];
  const sources = [
    ...outputs.map(({ where, text }) => ({ where, text })),
    ...scanned.map((path) => ({
      where: `file ${path.slice(work.length + 1)}`,
      text: readFileSync(path, 'latin1'),
    })),
  ];
  const leaks = findLeaks(sources, secrets);
  if (leaks.length > 0) {
    throw new Error(
      `secrets leaked:\n${leaks.map((l) => `  - ${l.kind} in ${l.where}`).join('\n')}`,
    );
  }
  const kinds = [...new Set(secrets.map((s) => s.kind))];
  check(
    sources.some((s) => s.where.startsWith('execution output')) &&
      scanned.some((f) => f.startsWith(delivered)) &&
      scanned.some((f) => f.startsWith(join(work, 'logs'))),
    `no leak: ${secrets.length} secrets (${kinds.join(', ')}) in none of ${sources.length} outputs and files (n8n stdout/stderr, execution outputs, log files, written files)`,
  );
  log(`all four scenarios passed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
} catch (error) {
  // n8n's output is part of some messages: never print a secret while reporting a failure
  process.stderr.write(`${redact(error?.stack ?? error, knownSecrets())}\n`);
  process.exitCode = 1;
} finally {
  await stopAll();
  await sandbox.close();
  rmSync(work, { recursive: true, force: true });
}

/**
 * The secrets of this run by kind: what the sandbox issued (API key, passwords, JWTs, upload
 * credentials, presigned-URL signatures, the webhook secret) and n8n's encryption key.
 */
function knownSecrets() {
  const kindOf = (value) => {
    if (value === sandbox.apiKey) return 'API key';
    if (value === sandbox.password) return 'account password';
    if (value === secret) return 'webhook secret';
    if (/^eyJ[\w-]*\.[\w-]*\.[\w-]*$/.test(value)) return 'JWT (access or refresh token)';
    if (value.startsWith('IQoJ')) return 'S3 session token';
    if (/^[0-9a-f]{64}$/.test(value)) return 'presigned-URL signature';
    if (/^[A-Za-z0-9]{40}$/.test(value)) return 'S3 secret access key';
    return 'other issued secret (a seeded password)';
  };
  const values = new Set([sandbox.apiKey, sandbox.password, secret, ...control.issuedSecrets()]);
  return [
    // short values would match by accident (as test/helpers/secrets.ts: at least 8 characters)
    ...[...values].filter((v) => v.length >= 8).map((value) => ({ kind: kindOf(value), value })),
    { kind: 'n8n encryption key', value: env.N8N_ENCRYPTION_KEY },
  ];
}

/** Stops every n8n process this script started (SIGTERM, then SIGKILL after 15 s). */
async function stopAll() {
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
          child.once('close', () => {
            clearTimeout(kill);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}

async function sandboxSamples() {
  const ids = [];
  const res = await fetch(
    `${sandbox.url}/api/v2/project-samples/${sandbox.projects.default}?limit=200&hidden_status=all`,
    {
      headers: { Authorization: `Api-Key ${sandbox.apiKey}` },
    },
  );
  for (const s of (await res.json()).results) ids.push(s.id);
  return ids.map((id) => control.getSample(id));
}
