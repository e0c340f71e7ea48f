/**
 * Fixtures for the download tests: real samples in a fresh sandbox project (FASTQs uploaded
 * through the sandbox S3, assigned, finished by the instant pipeline), and an undici
 * interceptor that counts what really crossed the wire for presigned-URL GETs.
 */
import { createHash } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Sandbox } from '@gencove/sandbox';
import { Agent, type Dispatcher } from 'undici';

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

export async function createProject(sb: Sandbox, name: string): Promise<string> {
  return (await api(sb, 'POST', '/api/v2/projects/', { name })).id;
}

/** A FASTQ of about `bytes` bytes whose content depends on `seed`. */
export function fastq(bytes: number, seed: string): Buffer {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const seq = createHash('md5')
      .update(`${seed}:${i}`)
      .digest('hex')
      .replace(/[^acgt]/gi, 'A');
    const record = `@${seed}:${i}\n${seq.toUpperCase()}\n+\n${'I'.repeat(seq.length)}\n`;
    lines.push(record);
    size += record.length;
  }
  return Buffer.from(lines.join(''));
}

/** Uploads R1 FASTQs with the sandbox admin key and assigns them; returns sample id by client id. */
export async function addSamples(
  sb: Sandbox,
  projectId: string,
  folder: string,
  files: Record<string, Buffer>,
): Promise<Record<string, string>> {
  const s3 = new S3Client({
    endpoint: sb.s3Url,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  try {
    for (const [name, data] of Object.entries(files)) {
      const slot = await api(sb, 'POST', '/api/v2/uploads-post-data/', {
        destination_path: `gncv://${folder}/${name}`,
      });
      await s3.send(
        new PutObjectCommand({ Bucket: slot.s3.bucket, Key: slot.s3.object_name, Body: data }),
      );
    }
  } finally {
    s3.destroy();
  }
  const sheet = await api(
    sb,
    'GET',
    `/api/v2/sample-sheet/?search=${encodeURIComponent(`gncv://${folder}/`)}&status=unassigned`,
  );
  const res = await api(sb, 'POST', `/api/v2/project-samples/${projectId}`, {
    uploads: sheet.results,
    metadata: { folder },
  });
  return Object.fromEntries(
    res.uploads.map((u: { client_id: string; sample: string }) => [u.client_id, u.sample]),
  );
}

export interface WireRecord {
  path: string;
  range: string | undefined;
  status: number;
  bytes: number;
}

/** An undici agent that records every request it carries and the body bytes it received. */
export function countingAgent(): {
  dispatcher: Dispatcher;
  records: WireRecord[];
  bytes(): number;
} {
  const records: WireRecord[] = [];
  const agent = new Agent({ connections: 32 }).compose((dispatch) => (opts, handler) => {
    const headers = (opts.headers ?? {}) as Record<string, string>;
    const record: WireRecord = {
      path: String(opts.path).split('?')[0]!,
      range: headers.range ?? headers.Range,
      status: 0,
      bytes: 0,
    };
    records.push(record);
    return dispatch(opts, {
      onRequestStart: (c, ctx) => handler.onRequestStart?.(c, ctx),
      onRequestUpgrade: (c, s, h, socket) => handler.onRequestUpgrade?.(c, s, h, socket),
      onResponseStart: (c, status, h, message) => {
        record.status = status;
        return handler.onResponseStart?.(c, status, h, message);
      },
      onResponseData: (c, chunk) => {
        record.bytes += chunk.length;
        return handler.onResponseData?.(c, chunk);
      },
      onResponseEnd: (c, trailers) => handler.onResponseEnd?.(c, trailers),
      onResponseError: (c, error) => handler.onResponseError?.(c, error),
    });
  });
  return { dispatcher: agent, records, bytes: () => records.reduce((s, r) => s + r.bytes, 0) };
}
