/**
 * A FASTQ over 1 GiB through the real engine in regular mode with n8n's filesystem binary data
 * (its default there), with the two examples a lab would use for it, unchanged:
 *   upload-assign  reads the file from disk into n8n's binary store, the Gencove node streams it
 *                  to S3 (multipart) and assigns it: the object on S3 has the file's sha256;
 *   list-download  the sample's deliverable is that very object (served by the sandbox's S3 under
 *                  a presigned URL, with its sha256 given by the API): the Gencove node streams it
 *                  into n8n's binary store (core checks the sha256 on the way), the Read/Write
 *                  Files node writes it: the written file has the same sha256.
 * The peak RSS of each `n8n execute` process (the one that runs the workflow) is measured and
 * reported: a figure, like the bench's. The assertion is only a ceiling far above what streaming
 * needs and far below what holding the file would take (the file's own size).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { withRun } from '../lib/run-context.mjs';
import { check, elapsed, log, mib } from '../lib/util.mjs';
import { examples } from '../lib/workflows.mjs';

/** 1 GiB and a few bytes: not a whole number of the node's 8 MiB parts. */
export const BIG_FILE_BYTES = 2 ** 30 + 7;

/** Random bytes written in 8 MiB chunks (never held whole), hashed on the way. */
async function writeRandomFile(path, size) {
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  for (let left = size; left > 0; ) {
    const chunk = randomBytes(Math.min(left, 8 * 2 ** 20));
    hash.update(chunk);
    left -= chunk.length;
    if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', resolve));
  }
  out.end();
  await finished(out);
  return { size, sha256: hash.digest('hex') };
}

async function digest(stream) {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { size, sha256: hash.digest('hex') };
}

/** The sandbox's S3 with its admin key (accepted for every bucket; tests and benchmarks). */
const adminS3 = (sandbox) =>
  new S3Client({
    endpoint: sandbox.s3Url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });

export function bigFileTransfer({ size = BIG_FILE_BYTES } = {}) {
  return withRun({ label: 'big' }, async (run) => {
    const s3 = adminS3(run.sandbox);
    try {
      return await transferBothWays(run, s3, size);
    } finally {
      s3.destroy();
    }
  });
}

async function transferBothWays(run, s3, size) {
  const figures = {};
  const project = run.sandbox.projects.empty;
  const incoming = join(run.files.root, 'big-incoming');
  const delivered = join(run.files.root, 'big-delivered');
  mkdirSync(incoming);
  mkdirSync(delivered);
  const ex = examples({ projectId: project, incoming, delivered });
  await run.importAll([ex.gencoveUploadAssign, ex.gencoveListDownload]);

  const local = await writeRandomFile(join(incoming, 'E2E-BIG_R1.fastq.gz'), size);
  log(`big file: ${mib(size)} FASTQ written (sha256 ${local.sha256.slice(0, 12)}…)`);

  let t = elapsed();
  const up = await run.n8n.execute('gencoveUploadAssign');
  figures.upload = { seconds: elapsed() - t, peakRss: up.peakRss };
  const [sample] = await run.samples(project);
  check(sample?.client_id === 'E2E-BIG', 'big file: the upload example created sample E2E-BIG');
  const upload = run.control.getUpload(sample.uploads.r1);
  const object = await s3.send(new GetObjectCommand({ Bucket: upload.bucket, Key: upload.key }));
  const onS3 = await digest(object.Body);
  check(
    onS3.size === local.size && onS3.sha256 === local.sha256,
    `big file: the ${mib(size)} on S3 have the local file's sha256 (upload ${figures.upload.seconds.toFixed(0)} s, n8n peak RSS ${mib(up.peakRss)})`,
  );

  // the deliverable is the uploaded object itself, presigned as Gencove presigns its results
  await run.control.setSampleStatus(sample.id, 'succeeded');
  const url = await getSignedUrl(
    s3,
    new GetObjectCommand({ Bucket: upload.bucket, Key: upload.key }),
    { expiresIn: 3600 },
  );
  run.control.addExternalFiles(sample.id, [
    {
      fileType: 'impute-vcf',
      size: local.size,
      sha256: local.sha256,
      url,
    },
  ]);
  t = elapsed();
  const down = await run.n8n.execute('gencoveListDownload');
  figures.download = { seconds: elapsed() - t, peakRss: down.peakRss };
  const written = readdirSync(delivered);
  check(
    written.length === 1 && written[0].startsWith('E2E-BIG_'),
    `big file: the download example wrote the one deliverable (${written.join(', ')})`,
  );
  const back = await digest(createReadStream(join(delivered, written[0])));
  check(
    back.size === local.size && back.sha256 === local.sha256,
    `big file: the written ${mib(back.size)} have the same sha256 (download ${figures.download.seconds.toFixed(0)} s, n8n peak RSS ${mib(down.peakRss)})`,
  );
  for (const [what, { peakRss }] of Object.entries(figures)) {
    check(
      peakRss > 0 && peakRss < 2 ** 30,
      `big file: the ${what} process stayed under 1 GiB RSS (peak ${mib(peakRss)}) while moving ${mib(size)}`,
    );
  }

  const scan = await run.scanForLeaks();
  check(
    scan.outputsRead && scan.skippedLargeFiles > 0,
    `big file: no leak of ${scan.secrets} secrets in ${scan.sources} outputs and files (${scan.skippedLargeFiles} copies of the generated GiB not scanned)`,
  );
  return figures;
}
