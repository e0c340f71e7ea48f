/**
 * Regular mode (one n8n process, SQLite, filesystem binary data), the examples as a user runs
 * them:
 *   0. without N8N_RESTRICT_FILE_ACCESS_TO a stock n8n refuses the upload example's file reads
 *      (the setting examples/n8n/README.md documents), with it the example runs;
 *   2. upload binary → assign                    (n8n execute, upload-assign.json)
 *   1. list → download → files written           (n8n execute, list-download.json), and the same
 *      workflow saved with version 1 of the node (plain ID fields) gives the same files;
 *   3. polling trigger fires on activation       (n8n start,   poll-finished.json)
 *   4. signed webhook starts the workflow, a forged one gets 401 and does not, a duplicated
 *      delivery is answered 200 twice and starts it once (n8n start, webhook-fetch.json)
 * then the leak scan.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withRun } from '../lib/run-context.mjs';
import { check, elapsed, log, sleep, waitFor } from '../lib/util.mjs';
import { examples, fixtures, pollOnActivationOnly } from '../lib/workflows.mjs';

/** The lab's reads: E2E-S1 paired-end (R1 over the node's 8 MiB part size), E2E-S2 single-end. */
export function writeReads(incoming) {
  const reads = {
    'E2E-S1_R1.fastq.gz': randomBytes(9 * 1024 * 1024 + 7),
    'E2E-S1_R2.fastq.gz': randomBytes(200_000),
    'E2E-S2_R1.fastq.gz': randomBytes(100_000),
  };
  for (const [name, bytes] of Object.entries(reads)) writeFileSync(join(incoming, name), bytes);
  return reads;
}

/** Scenario 2's checks: the two samples, their bytes on S3, the metadata. */
export async function checkUploaded(run, before, reads, mode) {
  const created = (await run.samples()).filter((s) => !before.has(s.id));
  const byClient = Object.fromEntries(created.map((s) => [s.client_id, s]));
  check(
    created.length === 2 && byClient['E2E-S1'] && byClient['E2E-S2'],
    `${mode}: upload-assign created samples E2E-S1 and E2E-S2 in the project`,
  );
  for (const [name, bytes] of Object.entries(reads)) {
    const [clientId, read] = name.replace('.fastq.gz', '').split('_');
    const upload = run.control.getUpload(byClient[clientId].uploads[read.toLowerCase()]);
    check(
      (await run.control.s3Object(upload.bucket, upload.key))?.equals(bytes),
      `${mode}: ${name} on S3 equals the local file`,
    );
  }
  check(!byClient['E2E-S2'].uploads.r2, `${mode}: E2E-S2 is single-end`);
  check(
    created.every((s) => s.metadata?.source === 'n8n'),
    `${mode}: the metadata of the workflow reached both samples`,
  );
  return byClient;
}

/** Scenario 1's checks: exactly the VCFs of the available succeeded samples, byte for byte. */
export async function checkDelivered(run, folder, expectedClients, mode) {
  const succeeded = (await run.samples()).filter(
    (s) => s.last_status.status === 'succeeded' && s.archive_last_status.status === 'available',
  );
  check(
    succeeded
      .map((s) => s.client_id)
      .sort()
      .join() === expectedClients.join(),
    `${mode}: the project has the available succeeded samples ${expectedClients.join(', ')}`,
  );
  const written = readdirSync(folder).sort();
  const expected = succeeded
    .map((s) => `${s.client_id}_${s.files.find((f) => f.file_type === 'impute-vcf').filename}`)
    .sort();
  check(
    JSON.stringify(written) === JSON.stringify(expected),
    `${mode}: exactly their VCFs were written to ${folder.split('/').pop()} (${written.join(', ')})`,
  );
  for (const sample of succeeded) {
    const vcf = sample.files.find((f) => f.file_type === 'impute-vcf');
    const bytes = readFileSync(join(folder, `${sample.client_id}_${vcf.filename}`));
    check(
      bytes.equals(await run.control.s3Object(vcf.bucket, vcf.key)),
      `${mode}: ${sample.client_id}'s written VCF equals the deliverable`,
    );
  }
}

export function regularMode() {
  return withRun({ label: 'regular' }, async (run) => {
    const places = {
      projectId: run.sandbox.projects.default,
      incoming: run.files.incoming,
      delivered: run.files.delivered,
    };
    const legacyDelivered = join(run.files.root, 'delivered-v1');
    mkdirSync(legacyDelivered);
    const ex = examples(places);
    const legacy = fixtures({ ...places, delivered: legacyDelivered });
    log('regular mode: importing credentials and workflows');
    await run.importAll([
      ex.gencoveUploadAssign,
      ex.gencoveListDownload,
      pollOnActivationOnly(ex.gencovePollFinished),
      ex.gencoveWebhookFetch,
      legacy.gencoveListDownloadV1,
    ]);
    const reads = writeReads(run.files.incoming);

    // 0. the file-access setting of n8n 2.x, as a user meets it
    log('scenario 0: the upload example on a stock n8n, then with the documented setting');
    const before = new Set((await run.samples()).map((s) => s.id));
    const refused = await run.n8n
      .execute('gencoveUploadAssign', { N8N_RESTRICT_FILE_ACCESS_TO: undefined })
      .then(
        () => undefined,
        (error) => error,
      );
    check(
      /Access to the file is not allowed/.test(`${refused?.message}`) &&
        (await run.samples()).length === before.size,
      'scenario 0: without N8N_RESTRICT_FILE_ACCESS_TO n8n refuses to read the FASTQs ("Access to the file is not allowed"), nothing is created',
    );

    // 2. upload binary → assign (first, so that scenario 1 has a sample of this run to download)
    log('scenario 2: read files → upload binary → assign');
    const figures = {};
    let t = elapsed();
    const up = await run.n8n.execute('gencoveUploadAssign');
    // the same workflows as the 1 GiB scenario with 9 MiB of reads: its baseline
    figures['upload of 9 MiB'] = { seconds: elapsed() - t, peakRss: up.peakRss };
    const byClient = await checkUploaded(run, before, reads, 'scenario 2');
    await run.control.setSampleStatus(byClient['E2E-S2'].id, 'succeeded');

    // 1. list → download → files written, by version 2 and by version 1 of the node
    log('scenario 1: list → download → write files');
    t = elapsed();
    const down = await run.n8n.execute('gencoveListDownload');
    figures['download of 2 VCFs'] = { seconds: elapsed() - t, peakRss: down.peakRss };
    await checkDelivered(run, run.files.delivered, ['E2E-S2', 'SEED-A01'], 'scenario 1');
    await run.n8n.execute('gencoveListDownloadV1');
    await checkDelivered(
      run,
      legacyDelivered,
      ['E2E-S2', 'SEED-A01'],
      'scenario 1, node version 1',
    );

    // 3 + 4. triggers under `n8n start`
    log('scenarios 3 and 4: publish the trigger workflows and start n8n');
    await run.n8n.runOk(['publish:workflow', '--id=gencovePollFinished']);
    await run.n8n.runOk(['publish:workflow', '--id=gencoveWebhookFetch']);
    run.control.clearRequests();
    const server = run.n8n.service('start', ['start']);
    const withServerLog = async (promise) => {
      try {
        return await promise;
      } catch (error) {
        process.stderr.write(run.redact(server.output.slice(-4000)));
        throw error;
      }
    };

    const samples = await run.samples();
    const finished = samples.filter((s) =>
      ['succeeded', 'failed qc'].includes(s.last_status.status),
    );
    const unfinished = samples.filter((s) => !finished.includes(s));
    await withServerLog(
      waitFor(
        'the polling trigger to fetch every finished sample',
        () => finished.every((s) => run.sampleGets().includes(s.id)),
        120_000,
      ),
    );
    check(
      true,
      `scenario 3: the polling trigger fired for the ${finished.length} finished samples (${finished.map((s) => s.client_id).join(', ')})`,
    );
    check(
      unfinished.every((s) => !run.sampleGets().includes(s.id)),
      `scenario 3: and for none of the others (${unfinished.map((s) => `${s.client_id}: ${s.last_status.status}`).join(', ')})`,
    );

    await withServerLog(waitForWebhookEndpoint(run));
    const forgedId = '00000000-0000-4000-8000-00000000f04e';
    const forged = await fetch(run.webhookUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'Gencove-Signature': `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(128)}`,
      },
      body: JSON.stringify([
        {
          event_id: 'forged',
          event_type: 'analysis_complete_v2',
          timestamp: new Date().toISOString(),
          payload: {
            project: { id: run.sandbox.projects.default },
            samples: [{ id: forgedId, client_id: 'FORGED', last_status: { status: 'succeeded' } }],
          },
        },
      ]),
    });
    check(forged.status === 401, 'scenario 4: a forged webhook is answered 401');

    const target = byClient['E2E-S1'];
    await withServerLog(deliverTwice(run, target.id));
    const [first, second] = run.control.webhooks.filter((w) => w.body.includes(target.id));
    check(
      first.body === second.body && first.signature === second.signature,
      'scenario 4: the sandbox delivered the same signed event twice',
    );
    check(
      first.status === 200 && second.status === 200,
      'scenario 4: the signed webhook and its duplicate were both accepted (200)',
    );
    const fetches = run.sampleGets().filter((id) => id === target.id).length;
    check(
      fetches === 1,
      `scenario 4: the signed webhook started the workflow once, its duplicate did not (E2E-S1 fetched ${fetches} time(s))`,
    );
    check(!run.sampleGets().includes(forgedId), 'scenario 4: the forged webhook started nothing');

    const scan = await run.scanForLeaks();
    check(
      scan.outputsRead && scan.writtenScanned && scan.logsScanned,
      `regular mode: no leak of ${scan.secrets} secrets (${scan.kinds.join(', ')}) in ${scan.sources} outputs and files (n8n stdout/stderr, execution outputs, log files, written files)`,
    );
    return figures;
  });
}

/** Waits until n8n's webhook server answers the Gencove webhook path (401 for no signature). */
export async function waitForWebhookEndpoint(run) {
  await waitFor(
    'the webhook endpoint',
    async () =>
      (await fetch(run.webhookUrl, { method: 'POST', body: '[]' }).catch(() => undefined))
        ?.status === 401,
    120_000,
  );
}

/**
 * Makes a sample succeed with the sandbox's webhook chaos set to deliver every event twice at
 * once (same event_id, body and signature), waits for both answers and for the webhook workflow
 * to fetch the sample, then a little longer: a second execution would fetch it again.
 */
export async function deliverTwice(run, sampleId) {
  run.control.setChaos({
    seed: 1,
    label: 'e2e-webhook',
    profile: { name: 'every-webhook-twice', rules: [], webhooks: { duplicate: 1 } },
  });
  try {
    await run.control.setSampleStatus(sampleId, 'succeeded');
    const deliveries = () => run.control.webhooks.filter((w) => w.body.includes(sampleId));
    await waitFor(
      'both deliveries to be answered and the webhook workflow to fetch the sample',
      () =>
        deliveries().length === 2 &&
        deliveries().every((d) => d.status !== 0) &&
        run.sampleGets().includes(sampleId),
      60_000,
    );
  } finally {
    run.control.setChaos(null);
  }
  await sleep(3000);
}
