import { createReadStream } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline, Transform, type TransformCallback } from 'node:stream';
import type { ChaosEngine } from '../chaos/engine.js';
import { s3Operation } from '../chaos/operations.js';
import type { ResourceNames } from '../chaos/resources.js';
import type { FaultRegistry } from '../faults.js';
import { parseAmzDate } from '../ids.js';
import type { Lifecycle } from '../lifecycle.js';
import { type Presigner, REISSUE_PARAM } from '../presign.js';
import type { RequestLog } from '../requestlog.js';
import type { Fault, RequestLogEntry } from '../types.js';
import { AwsChunkedDecoder, isAwsChunked } from './chunked.js';
import type { CredentialRegistry } from './credentials.js';
import { MultipartLedger } from './multipart-ledger.js';
import { BodyRejected, type SpooledBody, spoolBody } from './spool.js';
import { s3DefaultError, s3ErrorXml } from './xml.js';

export interface DownloadModes {
  hostileFilenames: boolean;
  corrupt: boolean;
  truncate: boolean;
}

export interface ProxyDeps {
  host: string;
  port: number;
  upstream: { host: string; port: number };
  uploadsBucket: string;
  faults: FaultRegistry;
  chaos: ChaosEngine;
  names: ResourceNames;
  log: RequestLog;
  credentials: CredentialRegistry;
  presigner: Presigner;
  lifecycle: Lifecycle;
  modes: DownloadModes;
  /** Called after a PutObject / CompleteMultipartUpload succeeded. */
  onObjectWritten(bucket: string, key: string): void;
  /** Multipart uploads in flight; the proxy answers ListParts from it (s3rver cannot). */
  multipart?: MultipartLedger;
  /** Where object-write bodies are received whole before they reach s3rver (see spool.ts). */
  spoolDir: string;
}

/** Headers never forwarded to s3rver: auth (the proxy checks it), hop-by-hop, chunked framing. */
const DROP_REQUEST_HEADERS = new Set([
  'authorization',
  'x-amz-security-token',
  'host',
  'connection',
  'keep-alive',
  'expect',
  'transfer-encoding',
  'x-amz-trailer',
  'x-amz-decoded-content-length',
]);

class S3Reject {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly message: string,
    readonly extra: Record<string, string> = {},
  ) {}
}

/**
 * The S3 endpoint clients see. It sits in front of s3rver (which checks no signatures) and
 *  (a) checks access keys / session tokens / expiry of the credentials we issued,
 *  (b) applies S3 fault rules, (c) records every request, (d) verifies our presigned download URLs
 *  and streams objects (Range-aware) with the download-side fault modes applied.
 * Bodies are streamed in both directions; nothing is buffered whole.
 * It uses node:http directly because fault injection needs the raw socket (reset / truncate).
 */
export async function startS3Proxy(deps: ProxyDeps): Promise<{ server: http.Server; url: string }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const server = http.createServer((req, res) => {
    deps.multipart ??= new MultipartLedger();
    handle(deps, agent, req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        sendXml(res, 500, s3ErrorXml('InternalError', String((err as Error)?.message ?? err)));
      } else {
        res.destroy();
      }
    });
  });
  server.keepAliveTimeout = 5000;
  server.on('close', () => agent.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(deps.port, deps.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = deps.host.includes(':') ? `[${deps.host}]` : deps.host;
  return { server, url: `http://${host}:${port}` };
}

function sendXml(res: ServerResponse, status: number, xml: string, headers = {}): void {
  if (res.headersSent) return;
  const body = Buffer.from(xml);
  res.writeHead(status, {
    'Content-Type': 'application/xml',
    'Content-Length': String(body.length),
    'x-amz-request-id': 'SANDBOX',
    ...headers,
  });
  res.end(body);
}

function splitPath(pathname: string): { bucket: string; key: string } {
  const [, bucket = '', ...rest] = pathname.split('/');
  return { bucket: decodeURIComponent(bucket), key: rest.map(decodeURIComponent).join('/') };
}

/** How a fault changes the answer when the request goes on to be served. */
interface FaultEffect {
  handled: boolean;
  /** Cut the response body at half: with a clean close (FIN) or a reset (RST). */
  cut?: 'fin' | 'rst';
  corrupt?: boolean;
}

const hasRequestBody = (req: IncomingMessage): boolean =>
  Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;

/** Reads about half of the request body, then resets the connection (an upload cut mid-body). */
function resetMidRequest(req: IncomingMessage): void {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  const limit = Number.isFinite(declared) ? Math.floor(declared / 2) : 1;
  let seen = 0;
  const cut = (): void => {
    req.removeListener('data', onData);
    req.socket.resetAndDestroy();
  };
  const onData = (chunk: Buffer): void => {
    seen += chunk.length;
    if (seen >= limit) cut();
  };
  req.on('data', onData);
  req.once('end', cut);
  if (limit <= 0) cut();
}

async function applyFault(
  deps: ProxyDeps,
  fault: Fault,
  req: IncomingMessage,
  res: ServerResponse,
  params: URLSearchParams,
): Promise<FaultEffect> {
  switch (fault.type) {
    case 'reset':
      req.socket.destroy();
      return { handled: true };
    case 'delay':
      await deps.lifecycle.sleep(fault.ms);
      return { handled: false };
    case 'truncate':
      return { handled: false, cut: 'fin' };
    case 'reset-mid-body':
      if (hasRequestBody(req)) {
        resetMidRequest(req);
        return { handled: true };
      }
      return { handled: false, cut: 'rst' };
    case 'corrupt':
      return { handled: false, corrupt: true };
    case 'expire-credentials': {
      const accessKey = accessKeyOf(req, params);
      const cred = accessKey ? deps.credentials.lookup(accessKey) : undefined;
      if (cred?.scope !== 'uploads') return { handled: false };
      if (fault.scope === 'credential') {
        deps.credentials.expire(cred.accessKey);
        return { handled: false };
      }
      req.resume();
      const token = String(
        params.get('X-Amz-Security-Token') ?? req.headers['x-amz-security-token'] ?? '',
      );
      sendXml(
        res,
        400,
        s3ErrorXml('ExpiredToken', 'The provided token has expired.', { 'Token-0': token }),
      );
      return { handled: true };
    }
    case 'expire-url': {
      const signature = params.get('X-Amz-Signature');
      if (signature && deps.presigner.isOurs(params)) deps.presigner.revoke(signature);
      return { handled: false };
    }
    case 'maintenance':
      req.resume();
      sendXml(res, 503, s3ErrorXml('ServiceUnavailable', fault.message ?? 'Service unavailable.'));
      return { handled: true };
    case 'status': {
      req.resume();
      const headers: Record<string, string> = {};
      if (fault.retryAfter !== undefined) headers['Retry-After'] = String(fault.retryAfter);
      if (typeof fault.body === 'string') {
        sendXml(res, fault.status, fault.body, headers);
      } else {
        const [code, message] = s3DefaultError(fault.status);
        sendXml(res, fault.status, s3ErrorXml(code, message), headers);
      }
      return { handled: true };
    }
  }
}

/** User-Agent of the sandbox's own fetches (URL imports): chaos leaves them alone. */
export const SANDBOX_FETCH_AGENT = 'gencove-sandbox-fetch';

function chaosFault(
  deps: ProxyDeps,
  req: IncomingMessage,
  entry: RequestLogEntry,
  params: URLSearchParams,
): Fault | undefined {
  if (!deps.chaos.active || req.headers['user-agent'] === SANDBOX_FETCH_AGENT) return undefined;
  const { key } = splitPath(entry.path);
  return deps.chaos.decide({
    target: 's3',
    method: entry.method,
    operation: s3Operation(entry.method, key, params, req.headers),
    resource: deps.names.s3(entry.path, params),
  });
}

/** Access key of a SigV4 request (header or query), or undefined when anonymous. */
function accessKeyOf(req: IncomingMessage, params: URLSearchParams): string | undefined {
  const credential = params.get('X-Amz-Credential');
  if (credential) return credential.split('/')[0];
  const auth = req.headers.authorization;
  if (!auth) return undefined;
  const m = /Credential=([^/,\s]+)/.exec(auth);
  if (m) return m[1];
  const v2 = /^AWS ([^:]+):/.exec(auth);
  return v2?.[1] ?? '';
}

function checkCredentials(
  deps: ProxyDeps,
  req: IncomingMessage,
  params: URLSearchParams,
  bucket: string,
): void {
  const accessKey = accessKeyOf(req, params);
  if (accessKey === undefined) throw new S3Reject(403, 'AccessDenied', 'Access Denied');
  const cred = deps.credentials.lookup(accessKey);
  if (!cred) {
    throw new S3Reject(
      403,
      'InvalidAccessKeyId',
      'The AWS Access Key Id you provided does not exist in our records.',
      { AWSAccessKeyId: accessKey },
    );
  }
  const token = params.get('X-Amz-Security-Token') ?? req.headers['x-amz-security-token'];
  if (cred.scope !== 'admin' && token !== cred.token) {
    throw new S3Reject(
      403,
      'InvalidToken',
      'The provided token is malformed or otherwise invalid.',
    );
  }
  if (Date.now() >= cred.expiresMs) {
    throw new S3Reject(400, 'ExpiredToken', 'The provided token has expired.', {
      'Token-0': String(token ?? ''),
    });
  }
  // a query-signed URL made by a client with these credentials: honour X-Amz-Expires too
  const date = parseAmzDate(params.get('X-Amz-Date') ?? '');
  const expires = Number(params.get('X-Amz-Expires'));
  if (params.has('X-Amz-Expires') && date !== undefined && Date.now() > date + expires * 1000) {
    throw new S3Reject(403, 'AccessDenied', 'Request has expired');
  }
  if (cred.scope === 'uploads' && bucket !== deps.uploadsBucket) {
    throw new S3Reject(403, 'AccessDenied', 'Access Denied');
  }
}

async function handle(
  deps: ProxyDeps,
  agent: http.Agent,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://s3.sandbox');
  const method = req.method ?? 'GET';
  const entry = deps.log.record('s3', req, res, url);
  const params = url.searchParams;

  let effect: FaultEffect = { handled: false };
  const fault =
    deps.faults.take('s3', method, url.pathname) ?? chaosFault(deps, req, entry, params);
  if (fault) {
    entry.fault = fault.type;
    effect = await applyFault(deps, fault, req, res, params);
    if (effect.handled) return;
  }

  const { bucket, key } = splitPath(url.pathname);
  let download = false;
  try {
    if (params.has('X-Amz-Signature') && deps.presigner.isOurs(params)) {
      if (method !== 'GET' && method !== 'HEAD') {
        throw new S3Reject(403, 'AccessDenied', 'Access Denied');
      }
      const verdict = deps.presigner.verify(url.pathname, params);
      if (verdict === 'expired') throw new S3Reject(403, 'AccessDenied', 'Request has expired');
      if (verdict === 'invalid') {
        throw new S3Reject(
          403,
          'SignatureDoesNotMatch',
          'The request signature we calculated does not match the signature you provided.',
        );
      }
      download = true;
    } else {
      checkCredentials(deps, req, params, bucket);
    }
  } catch (err) {
    if (!(err instanceof S3Reject)) throw err;
    req.resume();
    sendXml(res, err.status, s3ErrorXml(err.code, err.message, err.extra));
    return;
  }

  const uploadId = params.get('uploadId');
  if (method === 'DELETE' && uploadId && key !== '' && deps.multipart) {
    // AbortMultipartUpload: s3rver answers 405; S3 answers 204 and forgets the parts
    req.resume();
    deps.multipart.ended(uploadId);
    res.writeHead(204).end();
    return;
  }
  if (method === 'GET' && uploadId && key !== '' && deps.multipart) {
    req.resume();
    const listed = deps.multipart.listParts(bucket, key, uploadId, params);
    if (listed.xml) sendXml(res, listed.status, listed.xml);
    else
      sendXml(
        res,
        listed.status,
        s3ErrorXml(listed.code ?? 'NoSuchUpload', 'The specified upload does not exist.'),
      );
    return;
  }

  // forward to s3rver, anonymously
  const forwardParams = new URLSearchParams();
  const overrides: Record<string, string> = {};
  for (const [k, v] of params) {
    if (k.toLowerCase().startsWith('x-amz-') || k === REISSUE_PARAM) continue;
    if (k.startsWith('response-')) {
      overrides[k.slice('response-'.length)] = v;
      continue;
    }
    forwardParams.append(k, v);
  }
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || DROP_REQUEST_HEADERS.has(name)) continue;
    headers[name] = value;
  }
  const awsChunked = isAwsChunked(req.headers);
  if (awsChunked) {
    const encodings = String(req.headers['content-encoding'] ?? '')
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e && e !== 'aws-chunked');
    if (encodings.length) headers['content-encoding'] = encodings.join(',');
    else delete headers['content-encoding'];
    headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
  }
  // PutObject / UploadPart: the body is received whole before s3rver sees any of it
  const objectWrite =
    method === 'PUT' && key !== '' && req.headers['x-amz-copy-source'] === undefined;
  let spooled: SpooledBody | undefined;
  if (objectWrite) {
    try {
      spooled = await spoolBody(req, deps.spoolDir, awsChunked);
    } catch (err) {
      if (!(err instanceof BodyRejected)) throw err;
      if (!res.destroyed) sendXml(res, 400, s3ErrorXml(err.code, err.message));
      return;
    }
    headers['content-length'] = String(spooled.size);
  } else if (awsChunked) {
    const decoded = req.headers['x-amz-decoded-content-length'];
    if (decoded !== undefined) headers['content-length'] = String(decoded);
    else delete headers['content-length'];
  }
  const query = forwardParams.toString();
  const upstreamReq = http.request({
    host: deps.upstream.host,
    port: deps.upstream.port,
    method,
    path: `${url.pathname}${query ? `?${query}` : ''}`,
    headers,
    agent,
  });
  if (spooled) {
    // received whole: s3rver gets all of it even if the client stops waiting for the answer
    const file = spooled;
    upstreamReq.once('close', () => void file.discard());
  } else {
    res.once('close', () => {
      if (!res.writableFinished) upstreamReq.destroy();
    });
  }
  upstreamReq.once('error', (err) => {
    if (!res.headersSent) sendXml(res, 502, s3ErrorXml('BadGateway', err.message));
    else res.destroy();
  });
  // pipeline: a client that goes away mid-body tears the chain down without an unhandled 'error'
  const source: NodeJS.ReadableStream = spooled ? createReadStream(spooled.path) : req;
  const onBodyError = (err: NodeJS.ErrnoException | null): void => {
    if (err) upstreamReq.destroy();
  };
  if (awsChunked && !spooled) pipeline(source, new AwsChunkedDecoder(), upstreamReq, onBodyError);
  else pipeline(source, upstreamReq, onBodyError);

  const upstream = await new Promise<IncomingMessage | undefined>((resolve) => {
    upstreamReq.once('response', resolve);
    upstreamReq.once('close', () => resolve(undefined));
  });
  if (!upstream) return; // s3rver unreachable (answered 502 above) or the client went away
  upstream.once('error', () => res.destroy());
  upstream.once('aborted', () => res.destroy());
  const status = upstream.statusCode ?? 502;
  const outHeaders: http.OutgoingHttpHeaders = { ...upstream.headers };
  delete outHeaders.connection;
  delete outHeaders['keep-alive'];
  const isObjectRead = (method === 'GET' || method === 'HEAD') && key !== '' && status < 300;
  if (isObjectRead) {
    outHeaders['accept-ranges'] = 'bytes';
    for (const [name, value] of Object.entries(overrides)) outHeaders[name] = value;
  }
  // s3rver reads `Range: bytes=0-0` as "from 0 to the end" (an end of 0 is falsy to it);
  // S3 answers that one byte, and clients probe a file's size with it.
  const firstByteOnly =
    method === 'GET' && status === 206 && String(req.headers.range ?? '').trim() === 'bytes=0-0';
  if (firstByteOnly) {
    outHeaders['content-range'] = String(upstream.headers['content-range']).replace(
      /^bytes 0-\d+\//,
      'bytes 0-0/',
    );
    outHeaders['content-length'] = '1';
  }
  res.writeHead(status, outHeaders);

  const written =
    status === 200 &&
    bucket === deps.uploadsBucket &&
    ((method === 'PUT' && !params.has('uploadId')) ||
      (method === 'POST' && params.has('uploadId')));
  upstream.once('end', () => {
    if (written) deps.onObjectWritten(bucket, key);
  });
  trackMultipart(deps.multipart, method, params, bucket, key, status, upstream, headers);

  let stream: NodeJS.ReadableStream = upstream;
  const length = Number(upstream.headers['content-length'] ?? Number.NaN);
  const corrupt = (download && deps.modes.corrupt) || effect.corrupt === true;
  if (method === 'GET' && key !== '' && corrupt && status < 300) {
    stream = stream.pipe(new ByteFlipper(upstream.headers['content-range'], length));
  }
  if (firstByteOnly) {
    stream.once('data', (chunk: Buffer) => {
      res.end(chunk.subarray(0, 1));
      stream.resume(); // the rest is read and dropped
    });
    return;
  }
  const cut = effect.cut ?? (download && deps.modes.truncate && status < 300 ? 'fin' : undefined);
  if (cut && method !== 'HEAD') {
    const limit = Number.isFinite(length) ? Math.floor(length / 2) : 1;
    pipeWithCutoff(stream, res, limit, cut);
    return;
  }
  stream.pipe(res);
}

/** Writes `limit` bytes of `stream` to `res`, then destroys the connection. */
export function pipeWithCutoff(
  stream: NodeJS.ReadableStream,
  res: ServerResponse,
  limit: number,
  how: 'fin' | 'rst' = 'fin',
): void {
  const close = (): void => {
    if (how === 'rst' && res.socket) res.socket.resetAndDestroy();
    else res.destroy();
  };
  let passed = 0;
  let done = false;
  const finish = (): void => {
    // stop forwarding; the upstream request is torn down when `res` closes
    done = true;
    stream.removeAllListeners('data');
    stream.pause();
  };
  stream.on('data', (chunk: Buffer) => {
    if (done) return;
    const room = limit - passed;
    if (chunk.length < room) {
      passed += chunk.length;
      if (!res.write(chunk)) {
        stream.pause();
        res.once('drain', () => stream.resume());
      }
      return;
    }
    finish();
    res.write(chunk.subarray(0, Math.max(0, room)), close);
  });
  stream.once('end', () => {
    if (!done) close();
  });
}

/** Flips one byte in the middle of the object (download-side corruption mode). */
class ByteFlipper extends Transform {
  private offset: number;
  private readonly target: number;

  constructor(contentRange: string | undefined, length: number) {
    super();
    const m = /bytes (\d+)-(\d+)\/(\d+)/.exec(contentRange ?? '');
    this.offset = m ? Number(m[1]) : 0;
    const total = m ? Number(m[3]) : length;
    this.target = Math.floor((Number.isFinite(total) ? total : 0) / 2);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    const start = this.offset;
    this.offset += chunk.length;
    if (this.target >= start && this.target < this.offset) {
      const copy = Buffer.from(chunk);
      copy[this.target - start] = copy[this.target - start]! ^ 0xff;
      callback(null, copy);
      return;
    }
    callback(null, chunk);
  }
}

/** Keeps the multipart ledger in step with what s3rver accepted (see MultipartLedger). */
function trackMultipart(
  ledger: MultipartLedger | undefined,
  method: string,
  params: URLSearchParams,
  bucket: string,
  key: string,
  status: number,
  upstream: IncomingMessage,
  forwarded: http.OutgoingHttpHeaders,
): void {
  if (!ledger || status >= 300 || key === '') return;
  const uploadId = params.get('uploadId');
  if (method === 'POST' && params.has('uploads')) {
    // CreateMultipartUpload: the id is in the small XML body that streams to the client
    let xml = '';
    upstream.on('data', (chunk: Buffer) => {
      if (xml.length < 65_536) xml += chunk.toString('utf8');
    });
    upstream.once('end', () => {
      const id = /<UploadId>([^<]+)<\/UploadId>/.exec(xml)?.[1];
      if (id) ledger.created(id, bucket, key);
    });
  } else if (method === 'PUT' && uploadId && params.has('partNumber')) {
    const etag = String(upstream.headers.etag ?? '');
    ledger.partStored(
      uploadId,
      Number(params.get('partNumber')),
      etag,
      Number(forwarded['content-length'] ?? 0),
    );
  } else if ((method === 'POST' || method === 'DELETE') && uploadId) {
    ledger.ended(uploadId);
  }
}
