/**
 * Queue mode: Redis (Debian's redis-server, started here), one main process (`n8n start`: the
 * editor, webhooks, triggers and pollers) and two workers (`n8n worker`: every execution), on
 * one SQLite database (n8n 2.41.1 warns that scaling mode with SQLite is not officially supported
 * and runs it; main and workers share this machine's disk, so n8n's filesystem binary data works
 * — queue mode's default would be the database, whole files in memory, 512 MiB at most).
 *
 *   phase 1  main + workers; the manual examples, started by a Webhook trigger as in production
 *            (`n8n execute` does not support queue mode): upload-assign, list-download — they run
 *            on the workers and do what they do in regular mode;
 *   phase 2  the trigger examples published, main restarted: the polling trigger's activation
 *            poll emits every finished sample, the webhook trigger gets E2E-S1's event twice at
 *            once — each sample is fetched exactly once, on a worker;
 *   phase 3  main stopped, another sample finishes meanwhile, main started again (workers keep
 *            running): the activation poll emits only that sample (the trigger's saved state
 *            survived the restart), and a redelivery of E2E-S1's event is answered 200 and starts
 *            nothing (the webhook trigger's event ids survived it too).
 * Every execution runs on exactly one worker (their logs name each execution they started).
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { ensureRedisServer, startRedis } from '../lib/redis.mjs';
import { withRun } from '../lib/run-context.mjs';
import { check, freePort, log, sleep, waitFor } from '../lib/util.mjs';
import {
  examples,
  pollOnActivationOnly,
  startedByWebhook,
  renamed as withId,
} from '../lib/workflows.mjs';
import {
  checkDelivered,
  checkUploaded,
  deliverTwice,
  waitForWebhookEndpoint,
  writeReads,
} from './regular.mjs';

const STARTED_EXECUTION = /Worker started execution (\S+) \(job/g;

export async function queueMode() {
  ensureRedisServer();
  const redisPort = await freePort();
  const options = {
    label: 'queue',
    extraEnv: {
      EXECUTIONS_MODE: 'queue',
      QUEUE_BULL_REDIS_HOST: '127.0.0.1',
      QUEUE_BULL_REDIS_PORT: String(redisPort),
      N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem',
    },
  };
  return withRun(options, async (run) => {
    const redis = await startRedis({ port: redisPort, dir: join(run.work, 'redis') });
    try {
      await phases(run);
    } finally {
      await run.n8n.stopAll();
      await redis.stop();
    }
  });
}

/** The three phases on a run whose Redis is up. */
async function phases(run) {
  /** Each process its own task-runner broker port and log file (they share the user folder). */
  const processEnv = async (name) => ({
    N8N_RUNNERS_BROKER_PORT: String(await freePort()),
    N8N_LOG_FILE_LOCATION: join(run.work, `logs/${name}.log`),
  });
  /** Every process started, for their last lines when something fails. */
  const services = [];
  const startMain = async (name) => {
    const main = run.n8n.service(name, ['start'], await processEnv(name));
    services.push(main);
    await main.waitForOutput('the editor to be up', /Editor is now accessible via/, 180_000);
    return main;
  };
  const startWorker = async (name) => {
    const worker = run.n8n.service(name, ['worker'], await processEnv(name));
    services.push(worker);
    await worker.waitForOutput('the worker to be ready', /n8n worker is now ready/, 180_000);
    return worker;
  };
  let main;
  const workers = [];
  const withLogs = async (promise) => {
    try {
      return await promise;
    } catch (error) {
      for (const p of services) {
        process.stderr.write(
          `--- ${p.name} (last lines) ---\n${run.redact(p.output.slice(-3000))}\n`,
        );
      }
      throw error;
    }
  };

  const places = {
    projectId: run.sandbox.projects.default,
    incoming: run.files.incoming,
    delivered: run.files.delivered,
  };
  const ex = examples(places);
  const started = {
    upload: startedByWebhook(
      withId(ex.gencoveUploadAssign, 'gencoveQUploadAssign'),
      'e2e-upload-assign',
      randomUUID(),
    ),
    list: startedByWebhook(
      withId(ex.gencoveListDownload, 'gencoveQListDownload'),
      'e2e-list-download',
      randomUUID(),
    ),
  };
  log('queue mode: importing credentials and workflows');
  await run.importAll([
    started.upload,
    started.list,
    pollOnActivationOnly(ex.gencovePollFinished),
    ex.gencoveWebhookFetch,
  ]);
  await run.n8n.runOk(['publish:workflow', `--id=${started.upload.id}`]);
  await run.n8n.runOk(['publish:workflow', `--id=${started.list.id}`]);
  const reads = writeReads(run.files.incoming);

  log('queue mode: starting Redis, two workers and the main process');
  // main first (it registers the instance), then the workers together
  main = await withLogs(startMain('main-1'));
  workers.push(
    ...(await withLogs(Promise.all([startWorker('worker-1'), startWorker('worker-2')]))),
  );

  // phase 1: the manual examples, run on the workers
  const runByWebhook = async (path) => {
    const url = `${run.baseUrl}/webhook/${path}`;
    // n8n activates published workflows in the background after start (its publication
    // service): an OPTIONS (CORS preflight) is answered 204 once the webhook is registered
    await waitFor(
      `the webhook ${path} to be registered`,
      async () =>
        (
          await fetch(url, {
            method: 'OPTIONS',
            headers: { Origin: run.baseUrl, 'Access-Control-Request-Method': 'POST' },
          }).catch(() => undefined)
        )?.status === 204,
      120_000,
    );
    const res = await fetch(url, { method: 'POST' });
    const body = await res.text();
    run.outputs.push({ where: `response of /webhook/${path}`, text: body });
    if (res.status !== 200) throw new Error(`/webhook/${path} answered ${res.status}: ${body}`);
  };
  log('queue phase 1: upload-assign and list-download on the workers');
  const before = new Set((await run.samples()).map((s) => s.id));
  await withLogs(runByWebhook('e2e-upload-assign'));
  const byClient = await checkUploaded(run, before, reads, 'queue phase 1');
  await run.control.setSampleStatus(byClient['E2E-S2'].id, 'succeeded');
  await withLogs(runByWebhook('e2e-list-download'));
  await checkDelivered(run, run.files.delivered, ['E2E-S2', 'SEED-A01'], 'queue phase 1');

  // phase 2: the triggers, on a restarted main
  log('queue phase 2: publish the trigger examples, restart main');
  await main.stop();
  await run.n8n.runOk(['publish:workflow', '--id=gencovePollFinished']);
  await run.n8n.runOk(['publish:workflow', '--id=gencoveWebhookFetch']);
  run.control.clearRequests();
  main = await withLogs(startMain('main-2'));
  const finished = (await run.samples()).filter((s) =>
    ['succeeded', 'failed qc'].includes(s.last_status.status),
  );
  await withLogs(
    waitFor(
      'the activation poll to fetch every finished sample',
      () => finished.every((s) => run.sampleGets().includes(s.id)),
      120_000,
    ),
  );
  await withLogs(waitForWebhookEndpoint(run));
  const target = byClient['E2E-S1'];
  await withLogs(deliverTwice(run, target.id));
  const [first, second] = run.control.webhooks.filter((w) => w.body.includes(target.id));
  check(
    first.status === 200 && second.status === 200 && first.signature === second.signature,
    'queue phase 2: the signed webhook and its duplicate (same signature) were both answered 200',
  );
  /** Checks how often each sample was fetched: `expected` maps sample ids to counts. */
  const fetched = (expected, what) => {
    const counts = Object.fromEntries(Object.keys(expected).map((id) => [id, 0]));
    for (const id of run.sampleGets()) if (id in counts) counts[id] += 1;
    const name = (id) => samplesById[id]?.client_id ?? id;
    check(
      Object.entries(expected).every(([id, n]) => counts[id] === n),
      `${what} (fetches: ${Object.entries(counts)
        .map(([id, n]) => `${name(id)} ${n}`)
        .join(', ')})`,
    );
  };
  const samplesById = Object.fromEntries((await run.samples()).map((s) => [s.id, s]));
  const phase2 = Object.fromEntries([...finished.map((s) => [s.id, 1]), [target.id, 1]]);
  fetched(
    phase2,
    'queue phase 2: the polling trigger (its activation poll) fetched each finished sample once, the webhook trigger E2E-S1 once for two deliveries',
  );

  // phase 3: a restart of main — what the triggers had seen does not fire again
  log('queue phase 3: stop main, a sample finishes meanwhile, start main again');
  await main.stop();
  const late =
    samplesById[
      Object.keys(samplesById).find((id) => samplesById[id].client_id === 'SEED-A03-FAIL')
    ];
  await run.control.setSampleStatus(late.id, 'succeeded'); // its webhook finds main down
  main = await withLogs(startMain('main-3'));
  // the polling trigger last looked before E2E-S1 finished (the webhook trigger handled that)
  // and before SEED-A03 did: its activation poll after the restart emits exactly these two
  await withLogs(
    waitFor(
      'the activation poll after the restart to fetch the samples that finished since its last poll',
      () =>
        run.sampleGets().includes(late.id) &&
        run.sampleGets().filter((id) => id === target.id).length >= 2,
      120_000,
    ),
  );
  await withLogs(waitForWebhookEndpoint(run));
  const redelivered = await fetch(run.webhookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'Gencove-Signature': first.signature },
    body: first.body,
  });
  const answer = await redelivered.json();
  check(
    redelivered.status === 200 && answer.duplicates === answer.received && answer.received > 0,
    `queue phase 3: a redelivery of E2E-S1's event after the restart is answered 200 as a duplicate (${JSON.stringify(answer)})`,
  );
  await sleep(5000); // a duplicate execution would fetch its sample within this
  fetched(
    { ...phase2, [target.id]: 2, [late.id]: 1 },
    'queue phase 3: after the restart the poll fetched only what finished since its last poll (E2E-S1, SEED-A03-FAIL), the redelivery nothing',
  );

  const executions = workers.map((w) => [...w.output.matchAll(STARTED_EXECUTION)].map((m) => m[1]));
  const all = executions.flat();
  check(
    all.length === 5 && new Set(all).size === all.length,
    `queue mode: the 5 executions (2 examples, 2 activation polls, 1 webhook) ran on the workers, each on exactly one (worker-1: ${executions[0].length}, worker-2: ${executions[1].length})`,
  );
  check(
    !/Worker started execution/.test(main.output),
    'queue mode: the main process ran no execution itself',
  );

  const scan = await run.scanForLeaks();
  check(
    scan.writtenScanned && scan.logsScanned,
    `queue mode: no leak of ${scan.secrets} secrets in ${scan.sources} outputs and files (3 processes' output and log files, webhook responses, written files)`,
  );
}
