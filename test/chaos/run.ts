/**
 * One chaos run: a fresh sandbox, N samples uploaded from disk and M imported from URLs and
 * assigned, waited for, delivered to a folder and to an S3 bucket — every step through the built
 * CLI, each in its own chaos phase (same seed and profile). Returns what the assertions need.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { ChaosProfileName, ChaosReport, Sandbox } from '@gencove/sandbox';
import { startSandbox } from '@gencove/sandbox';
import { type CliRun, gencove, sandboxEnv } from '../helpers/cli.js';
import { fastq, sha256 } from '../helpers/files.js';

export const DELIVERY_BUCKET = 'lab-delivery';

/** Exit codes each step may end with under chaos before it is re-run (see the CLI's table). */
export const RETRYABLE_EXIT = {
  upload: [1, 5],
  import: [1, 5],
  wait: [5, 12],
  download: [1, 5, 6],
} as const;

export type Step = keyof typeof RETRYABLE_EXIT;

export interface StepRecord {
  step: Step;
  label: string;
  /** Run with --json: stdout is NDJSON events, an error is one `{"error": …}` line on stderr. */
  json: boolean;
  /** Exit code of every attempt, in order. */
  codes: Array<number | null>;
  runs: CliRun[];
}

export interface ChaosRunOptions {
  seed: number;
  profile: ChaosProfileName;
  /** Samples uploaded from disk (R1 + R2). */
  local: number;
  /** Samples imported from presigned URLs (R1 + R2). */
  urls: number;
  /** Client IDs that end as `failed qc` (contain FAILQC): `wait` must say so with exit 10. */
  failQc: number;
  work: string;
  /** Attempts per step before giving up. */
  maxAttempts?: number;
}

export interface InputFile {
  clientId: string;
  read: 'R1' | 'R2';
  destination: string;
  sha256: string;
  kind: 'local' | 'url';
}

export interface ChaosRunResult {
  sb: Sandbox;
  /** The run's working folder (inputs, deliveries, cache, --output files). */
  work: string;
  localDir: string;
  projectId: string;
  inputs: InputFile[];
  steps: StepRecord[];
  report: ChaosReport;
  diskDir: string;
  cacheDir: string;
  outputs: string[];
  /** Keys of the delivery bucket after the run. */
  deliveredKeys: string[];
  /** Every secret the sandbox handed out during the run. */
  secrets: string[];
}

const pad = (n: number) => String(n).padStart(3, '0');

async function adminApi(sb: Sandbox, method: string, path: string, body?: unknown) {
  const res = await fetch(`${sb.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Api-Key ${sb.apiKey}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<Record<string, unknown>>;
}

export function adminS3(sb: Sandbox): S3Client {
  return new S3Client({
    endpoint: sb.s3Url,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
}

export async function listBucket(sb: Sandbox, bucket: string, prefix = ''): Promise<string[]> {
  const s3 = adminS3(sb);
  const keys: string[] = [];
  try {
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) keys.push(o.Key!);
      token = page.NextContinuationToken;
    } while (token);
  } finally {
    s3.destroy();
  }
  return keys.sort();
}

export async function chaosRun(options: ChaosRunOptions): Promise<ChaosRunResult> {
  const { work } = options;
  const sb = await startSandbox({ pipeline: { stepMs: 300 } });
  const localDir = join(work, 'reads');
  const diskDir = join(work, 'delivered');
  const cacheDir = join(work, 'xdg-cache');
  await mkdir(localDir, { recursive: true });
  const project = await adminApi(sb, 'POST', '/api/v2/projects/', { name: 'chaos-suite' });
  const projectId = project.id as string;
  const s3 = adminS3(sb);
  await s3.send(new CreateBucketCommand({ Bucket: DELIVERY_BUCKET }));
  s3.destroy();

  const inputs: InputFile[] = [];
  for (let i = 1; i <= options.local; i++) {
    const clientId = `CHL-${pad(i)}${i <= options.failQc ? '-FAILQC' : ''}`;
    for (const read of ['R1', 'R2'] as const) {
      const name = `${clientId}_${read}.fastq.gz`;
      const body = fastq(name);
      await writeFile(join(localDir, name), body);
      const destination = `gncv://chaos/local/${name}`;
      inputs.push({ clientId, read, destination, sha256: sha256(body), kind: 'local' });
    }
  }
  const mapRows = ['client_id,r_notation,path'];
  for (let i = 1; i <= options.urls; i++) {
    const clientId = `CHU-${pad(i)}`;
    for (const read of ['R1', 'R2'] as const) {
      const name = `${clientId}_${read}.fastq.gz`;
      const body = fastq(name);
      const url = await sb.control.putExternalObject(`runs/${name}`, body, 7 * 24 * 3600);
      mapRows.push(`${clientId},${read},${url}`);
      // the import job names URL uploads after the client ID and read (spec §4)
      inputs.push({ clientId, read, destination: '', sha256: sha256(body), kind: 'url' });
    }
  }
  const mapFile = join(work, 'runs.fastq-map.csv');
  await writeFile(mapFile, `${mapRows.join('\n')}\n`);

  const env = sandboxEnv(sb, { XDG_CACHE_HOME: cacheDir });
  const steps: StepRecord[] = [];
  const maxAttempts = options.maxAttempts ?? 3;
  // e-mail + password for the URL import and the wait: JWTs are issued (and refreshed) under chaos
  const passwordEnv: NodeJS.ProcessEnv = {
    ...env,
    GENCOVE_EMAIL: sb.email,
    GENCOVE_PASSWORD: sb.password,
  };
  delete passwordEnv.GENCOVE_API_KEY;
  const step = async (
    name: Step,
    label: string,
    args: string[],
    success: number[] = [0],
    stepEnv: NodeJS.ProcessEnv = env,
  ) => {
    const record: StepRecord = {
      step: name,
      label,
      json: args.includes('--json'),
      codes: [],
      runs: [],
    };
    steps.push(record);
    sb.control.setChaos({ seed: options.seed, profile: options.profile, label });
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const run = await gencove(args, { env: stepEnv, cwd: work });
      record.codes.push(run.code);
      record.runs.push(run);
      if (run.code !== null && success.includes(run.code)) break;
      if (!(RETRYABLE_EXIT[name] as readonly number[]).includes(run.code ?? -1)) break;
    }
    sb.control.setChaos(null);
    return record;
  };

  const outputs = [join(work, 'local.json'), join(work, 'urls.json')];
  await step('upload', 'upload', [
    'upload',
    localDir,
    'gncv://chaos/local/',
    '--run-project-id',
    projectId,
    '--output',
    outputs[0]!,
    '--no-progress',
    '--json',
  ]);
  await step(
    'import',
    'import',
    [
      'upload',
      mapFile,
      'gncv://chaos/urls/',
      '--run-project-id',
      projectId,
      '--output',
      outputs[1]!,
      '--no-progress',
      '--json',
    ],
    [0],
    passwordEnv,
  );
  await step(
    'wait',
    'wait',
    [
      'wait',
      '--project-id',
      projectId,
      '--timeout',
      '5m',
      '--poll-interval',
      '1s',
      '--no-progress',
    ],
    [options.failQc > 0 ? 10 : 0],
    passwordEnv,
  );
  await step('download', 'download-disk', [
    'download',
    diskDir,
    '--project-id',
    projectId,
    '--parallel-files',
    '8',
    '--no-progress',
  ]);
  await step('download', 'download-s3', [
    'download',
    `s3://${DELIVERY_BUCKET}/results`,
    '--project-id',
    projectId,
    '--endpoint-url',
    sb.s3Url,
    '--parallel-files',
    '8',
    '--no-progress',
    '--json',
  ]);

  // URL imports: the sample sheet tells which destination path each source got
  const sheet = await adminApi(
    sb,
    'GET',
    '/api/v2/sample-sheet/?search=gncv://chaos/urls/&limit=1000',
  );
  for (const entry of sheet.results as Array<{
    client_id: string;
    fastq: Record<string, { destination_path: string }>;
  }>) {
    for (const read of ['R1', 'R2'] as const) {
      const input = inputs.find(
        (i) => i.kind === 'url' && i.clientId === entry.client_id && i.read === read,
      );
      const dest = entry.fastq[read.toLowerCase()]?.destination_path;
      if (input && dest) input.destination = dest;
    }
  }

  return {
    sb,
    work,
    localDir,
    projectId,
    inputs,
    steps,
    report: sb.control.chaosReport(),
    diskDir,
    cacheDir,
    outputs,
    deliveredKeys: await listBucket(sb, DELIVERY_BUCKET),
    secrets: sb.control.issuedSecrets(),
  };
}
