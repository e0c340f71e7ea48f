import type { Sandbox } from '../src/index.js';

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** JSON responses in tests are read loosely. */
// biome-ignore lint/suspicious/noExplicitAny: test helper reads arbitrary JSON
export type Json = any;

/** JSON request against the sandbox API (Api-Key auth unless `auth` overrides it). */
export async function api<T = Json>(
  sb: Sandbox,
  method: string,
  path: string,
  body?: unknown,
  auth: string | null = `Api-Key ${sb.apiKey}`,
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (auth) headers.authorization = auth;
  const res = await fetch(path.startsWith('http') ? path : `${sb.url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // plain text
  }
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function fastq(reads: number, seed = 'A'): Buffer {
  const lines: string[] = [];
  for (let i = 0; i < reads; i++) {
    lines.push(`@read${seed}${i}`, 'ACGTACGTAC', '+', 'IIIIIIIIII');
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

/** S3 client with the sandbox's admin key (S3RVER / S3RVER). */
export async function adminS3(sb: Sandbox) {
  const { S3Client } = await import('@aws-sdk/client-s3');
  return new S3Client({
    endpoint: sb.s3Url,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
}

/** Reserves uploads, writes their bytes through the proxy, assigns them; returns sample ids by client id. */
export async function uploadAndAssign(
  sb: Sandbox,
  projectId: string,
  folder: string,
  files: Record<string, Buffer>,
  metadata: unknown = null,
): Promise<Record<string, string>> {
  const { PutObjectCommand } = await import('@aws-sdk/client-s3');
  const s3 = await adminS3(sb);
  for (const [name, data] of Object.entries(files)) {
    const slot = await api(sb, 'POST', '/api/v2/uploads-post-data/', {
      destination_path: `gncv://${folder}/${name}`,
    });
    await s3.send(
      new PutObjectCommand({
        Bucket: slot.body.s3.bucket,
        Key: slot.body.s3.object_name,
        Body: data,
      }),
    );
  }
  s3.destroy();
  const sheet = await api(
    sb,
    'GET',
    `/api/v2/sample-sheet/?search=${encodeURIComponent(`gncv://${folder}/`)}&status=unassigned`,
  );
  const res = await api(sb, 'POST', `/api/v2/project-samples/${projectId}`, {
    uploads: sheet.body.results,
    metadata,
  });
  if (res.status !== 201) throw new Error(`assign failed: ${res.status} ${res.text}`);
  return Object.fromEntries(
    res.body.uploads.map((u: { client_id: string; sample: string }) => [u.client_id, u.sample]),
  );
}

export async function download(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}
