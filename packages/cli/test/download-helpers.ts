/**
 * Fixtures of the CLI download tests: samples with real deliverables in a fresh sandbox project,
 * and a runner that keeps the CLI's stdout as bytes and can react to its stderr.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Sandbox } from '@gencove/sandbox';
import { CLI_BIN } from './helpers/run-cli.js';

export const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

// biome-ignore lint/suspicious/noExplicitAny: tests read loosely typed JSON
export type Json = any;

export async function api(
  sb: Sandbox,
  method: string,
  path: string,
  body?: unknown,
): Promise<Json> {
  const res = await fetch(`${sb.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Api-Key ${sb.apiKey}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** A new project with one finished sample per client id (FASTQ of about that many bytes). */
export async function projectWithSamples(
  sb: Sandbox,
  name: string,
  fastqs: Record<string, number>,
): Promise<{ projectId: string; ids: Record<string, string> }> {
  const projectId = (await api(sb, 'POST', '/api/v2/projects/', { name })).id as string;
  return { projectId, ids: await addSamples(sb, projectId, name, fastqs) };
}

/** Uploads one FASTQ per client id under gncv://<folder>/ and assigns them to the project. */
export async function addSamples(
  sb: Sandbox,
  projectId: string,
  name: string,
  fastqs: Record<string, number>,
): Promise<Record<string, string>> {
  const s3 = new S3Client({
    endpoint: sb.s3Url,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  try {
    for (const [clientId, bytes] of Object.entries(fastqs)) {
      const slot = await api(sb, 'POST', '/api/v2/uploads-post-data/', {
        destination_path: `gncv://${name}/${clientId}_R1.fastq.gz`,
      });
      const record = `@${clientId}\nACGTACGTACGTACGT\n+\nIIIIIIIIIIIIIIII\n`;
      const body = Buffer.from(record.repeat(Math.ceil(bytes / record.length)));
      await s3.send(
        new PutObjectCommand({ Bucket: slot.s3.bucket, Key: slot.s3.object_name, Body: body }),
      );
    }
  } finally {
    s3.destroy();
  }
  const sheet = await api(
    sb,
    'GET',
    `/api/v2/sample-sheet/?search=${encodeURIComponent(`gncv://${name}/`)}&status=unassigned`,
  );
  const res = await api(sb, 'POST', `/api/v2/project-samples/${projectId}`, {
    uploads: sheet.results,
    metadata: { run: name },
  });
  return Object.fromEntries(
    res.uploads.map((u: { client_id: string; sample: string }) => [u.client_id, u.sample]),
  );
}

export interface BinaryResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs the built CLI; `onStderr` sees stderr as it grows (to drive the sandbox mid-run). */
export function runCliBytes(
  args: string[],
  env: NodeJS.ProcessEnv,
  onStderr?: (stderr: string) => void,
): Promise<BinaryResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      onStderr?.(stderr);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out), stderr });
    });
    child.stdin.end();
  });
}

/** NDJSON lines of a `--json` run. */
export const ndjson = (text: string): Json[] =>
  text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
