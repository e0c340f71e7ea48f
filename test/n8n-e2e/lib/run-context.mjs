/**
 * One isolated e2e run: a temporary folder (n8n user folder, TMPDIR, logs, the lab's files), a
 * sandbox whose webhooks go to this run's n8n, the n8n environment, the community package
 * installed and the example credentials written. `close()` stops everything and removes the
 * folder; `scanForLeaks()` checks the run's outputs and files.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installCommunityPackage, root } from './engine.mjs';
import { knownSecrets, redact, scanForLeaks } from './leaks.mjs';
import { N8n, n8nEnv } from './n8n.mjs';
import { freePort } from './util.mjs';
import { writeCredentials, writeWorkflows } from './workflows.mjs';

/** The webhook trigger example's fixed webhook id, so the Gencove-side URL is known up front. */
const WEBHOOK_PATH = '6f1d0c3e-4b7a-4e38-9a52-5e7c0e0a0001/gencove';

export async function openRun({ label, extraEnv = {} }) {
  const work = mkdtempSync(join(tmpdir(), `gencove-n8n-e2e-${label}-`));
  const port = await freePort();
  const brokerPort = await freePort();
  const webhookUrl = `http://127.0.0.1:${port}/webhook/${WEBHOOK_PATH}`;
  const webhookSecret = `whsec-e2e-${randomBytes(6).toString('hex')}`;
  const { startSandbox } = await import(join(root, 'packages/sandbox/dist/index.js'));
  const sandbox = await startSandbox({
    pipeline: 'manual',
    webhook: { url: webhookUrl, secret: webhookSecret },
  });
  const encryptionKey = randomBytes(24).toString('hex');
  const env = n8nEnv({ work, port, brokerPort, encryptionKey, extra: extraEnv });
  const files = {
    root: join(work, 'files'),
    incoming: join(work, 'files/incoming'),
    delivered: join(work, 'files/delivered'),
  };
  for (const dir of [env.TMPDIR, env.HOME, files.incoming, files.delivered]) {
    mkdirSync(dir, { recursive: true });
  }
  const outputs = [];
  const n8n = new N8n(env, outputs);
  installCommunityPackage(env.N8N_USER_FOLDER);
  const secrets = () => knownSecrets({ sandbox, webhookSecret, encryptionKey });

  return {
    label,
    work,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    env,
    sandbox,
    control: sandbox.control,
    webhookUrl,
    webhookSecret,
    files,
    n8n,
    outputs,
    secrets,
    redact: (text) => redact(text, secrets()),

    /** Imports the example credentials and `workflows` (n8n import:credentials / :workflow). */
    async importAll(workflows, folder = 'workflows') {
      writeCredentials(join(work, 'credentials.json'), { sandbox, webhookSecret });
      writeWorkflows(join(work, folder), workflows);
      await n8n.runOk(['import:credentials', `--input=${join(work, 'credentials.json')}`]);
      await n8n.runOk(['import:workflow', '--separate', `--input=${join(work, folder)}`]);
    },

    /** The samples of a project as the sandbox holds them (statuses, uploads, files). */
    async samples(projectId = sandbox.projects.default) {
      const res = await fetch(
        `${sandbox.url}/api/v2/project-samples/${projectId}?limit=200&hidden_status=all`,
        { headers: { Authorization: `Api-Key ${sandbox.apiKey}` } },
      );
      return (await res.json()).results.map((s) => sandbox.control.getSample(s.id));
    },

    /** Ids of the samples fetched with `GET /api/v2/samples/{id}` since the last clear. */
    sampleGets() {
      return sandbox.control.requests
        .filter((r) => r.method === 'GET' && /^\/api\/v2\/samples\/[0-9a-f-]{36}$/.test(r.path))
        .map((r) => r.path.split('/').pop());
    },

    /** The leak scan over this run (n8n stopped first, so that outputs and logs are complete). */
    async scanForLeaks() {
      await n8n.stopAll();
      return scanForLeaks({
        work,
        env,
        outputs,
        written: files.root,
        logs: join(work, 'logs'),
        secrets: secrets(),
      });
    },

    async close() {
      await n8n.stopAll();
      await sandbox.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/**
 * Runs `body` with a fresh run and closes it whatever happens; an error's message and stack are
 * redacted of the run's secrets (n8n's output is part of some messages).
 */
export async function withRun(options, body) {
  const run = await openRun(options);
  try {
    return await body(run);
  } catch (error) {
    if (error instanceof Error) {
      error.message = run.redact(error.message);
      error.stack = run.redact(error.stack ?? '');
    }
    throw error;
  } finally {
    await run.close();
  }
}
