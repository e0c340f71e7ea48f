/**
 * The workflows and credentials an e2e run imports: the examples of examples/n8n as a user
 * imports them (the placeholders replaced by this run's project and folders), and the test's own
 * fixtures in test/n8n-e2e/workflows.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './engine.mjs';

const EXAMPLES = join(root, 'examples/n8n');
const FIXTURES = join(root, 'test/n8n-e2e/workflows');

/** The placeholders of the examples, and what a run puts in their place. */
function substitute(text, { projectId, incoming, delivered }) {
  return text
    .replaceAll('REPLACE-WITH-YOUR-PROJECT-ID', projectId)
    .replaceAll('/data/incoming/', `${incoming}/`)
    .replaceAll('/data/gencove/', `${delivered}/`);
}

/** Every workflow of a folder by id, with the placeholders substituted. */
function load(folder, places) {
  const out = {};
  for (const name of readdirSync(folder).filter((f) => f.endsWith('.json'))) {
    const workflow = JSON.parse(substitute(readFileSync(join(folder, name), 'utf8'), places));
    out[workflow.id] = workflow;
  }
  return out;
}

/** The examples by workflow id (gencoveUploadAssign, gencoveListDownload, …). */
export const examples = (places) => load(EXAMPLES, places);

/** The test's own workflows by id (gencoveListDownloadV1, …). */
export const fixtures = (places) => load(FIXTURES, places);

/** A copy under another id (≤ 21 characters) and name, for a second import of a workflow. */
export function renamed(workflow, id, name = `${workflow.name} (${id})`) {
  return { ...structuredClone(workflow), id, name };
}

/**
 * The polling example set to fire only on activation: samples that finished before it too
 * (the sandbox's seeds), and a yearly schedule so that no scheduled poll runs during the test.
 */
export function pollOnActivationOnly(workflow) {
  const copy = structuredClone(workflow);
  const trigger = copy.nodes.find((n) => n.type.endsWith('.gencoveTrigger'));
  trigger.parameters.includeExisting = true;
  trigger.parameters.pollTimes = { item: [{ mode: 'custom', cronExpression: '0 0 0 1 1 *' }] };
  return copy;
}

/**
 * A manual-trigger example as it runs in production: its Manual Trigger replaced by a Webhook
 * trigger (POST /webhook/<path>, answered when the last node is done). n8n's `execute` command
 * does not support queue mode (it falls back to running in its own process), so in queue mode
 * the examples are started this way and run on the workers like any production execution.
 */
export function startedByWebhook(workflow, path, webhookId) {
  const copy = structuredClone(workflow);
  const index = copy.nodes.findIndex((n) => n.type === 'n8n-nodes-base.manualTrigger');
  if (index < 0) throw new Error(`${workflow.id} has no manual trigger`);
  const manual = copy.nodes[index];
  copy.nodes[index] = {
    id: manual.id,
    name: manual.name,
    type: 'n8n-nodes-base.webhook',
    typeVersion: 2,
    position: manual.position,
    webhookId,
    parameters: {
      httpMethod: 'POST',
      path,
      responseMode: 'lastNode',
      responseData: 'allEntries',
      options: {},
    },
  };
  return copy;
}

/** Writes workflows for `n8n import:workflow --separate --input=<folder>`. */
export function writeWorkflows(folder, workflows) {
  mkdirSync(folder, { recursive: true });
  for (const workflow of workflows) {
    writeFileSync(join(folder, `${workflow.id}.json`), JSON.stringify(workflow));
  }
}

/** The credentials the examples reference, for `n8n import:credentials --input=<file>`. */
export function writeCredentials(file, { sandbox, webhookSecret }) {
  writeFileSync(
    file,
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
        data: { secret: webhookSecret },
      },
    ]),
  );
}
