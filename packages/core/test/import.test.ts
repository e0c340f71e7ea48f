import { createServer, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GencoveClient } from '../src/client.js';
import {
  type ImportEvent,
  importUrls,
  planUrlImport,
  UrlImportError,
  UrlPreflightError,
} from '../src/jobs/import/index.js';
import { parseMapFile } from '../src/jobs/mapfile/index.js';
import { closedPort, fastqBytes, type Lab, startLab } from './import-fixtures.js';

let lab: Lab;
let client: GencoveClient;

beforeAll(async () => {
  lab = await startLab({ pipeline: 'manual' });
  client = new GencoveClient({
    host: lab.sandbox.url,
    apiKey: lab.sandbox.apiKey,
    // the spec's backoff, on a 5 ms base so the retry tests stay quick
    retry: { baseDelayMs: 5 },
  });
});

afterAll(async () => {
  await client?.close();
  await lab?.close();
});

afterEach(() => {
  lab.sandbox.control.clearFaults();
});

const urlUploadRequests = () =>
  lab.sandbox.control.requests.filter(
    (r) => r.target === 'api' && r.method === 'POST' && r.path.startsWith('/api/v2/uploads-url'),
  );

/** Puts R1/R2 objects for each client id and returns map rows with presigned URLs. */
async function samplesInBucket(
  ids: string[],
  presign: { expiresIn?: number; signingDate?: Date } = {},
): Promise<Array<[string, string, string]>> {
  const rows: Array<[string, string, string]> = [];
  for (const id of ids) {
    for (const read of ['R1', 'R2']) {
      const key = `seqrun-19/${id}_S1_L001_${read}_001.fastq.gz`;
      await lab.put(key, fastqBytes(`${id}/${read}`));
      rows.push([id, read, await lab.presign(key, presign)]);
    }
  }
  return rows;
}

describe('importUrls against the sandbox', () => {
  it('registers every URL, assigns them to the project and the samples run from the fetched URLs', async () => {
    const rows = await samplesInBucket(['IMP-A1', 'IMP-A2']);
    const map = await parseMapFile(await lab.writeMap(rows));
    const events: ImportEvent[] = [];
    const result = await importUrls(client, {
      map,
      projectId: lab.sandbox.projects.default,
      metadata: { batch: '2026-01', lab: 'north' },
      onEvent: (e) => events.push(e),
    });

    expect(result.destination).toMatch(/^gncv:\/\/cli-url-\d{14}-[0-9a-f]{32}\/$/);
    expect(result.warnings).toEqual([]);
    expect(result.uploads.map((u) => [u.clientId, u.read, u.destinationPath, u.status])).toEqual([
      ['IMP-A1', 'R1', `${result.destination}IMP-A1_R1.fastq.gz`, 'succeeded'],
      ['IMP-A1', 'R2', `${result.destination}IMP-A1_R2.fastq.gz`, 'succeeded'],
      ['IMP-A2', 'R1', `${result.destination}IMP-A2_R1.fastq.gz`, 'succeeded'],
      ['IMP-A2', 'R2', `${result.destination}IMP-A2_R2.fastq.gz`, 'succeeded'],
    ]);
    for (const [i, upload] of result.uploads.entries()) {
      const server = lab.sandbox.control.getUpload(upload.uploadId)!;
      expect(server.source_url).toBe(rows[i]![2]); // the server got the URL verbatim
      expect(upload.source).toContain('X-Amz-Signature=[REDACTED]');
    }
    expect(events.filter((e) => e.type === 'url-registered')).toHaveLength(4);

    const samples = result.samples!;
    expect(samples.map((s) => s.client_id).sort()).toEqual(['IMP-A1', 'IMP-A2']);
    for (const s of samples) {
      const sample = lab.sandbox.control.getSample(s.sample)!;
      expect(sample.project).toBe(lab.sandbox.projects.default);
      expect(sample.metadata).toEqual({ batch: '2026-01', lab: 'north' });
    }

    await lab.sandbox.control.advance(5_000);
    for (const s of samples) {
      expect(lab.sandbox.control.getSample(s.sample)!.last_status.status).toBe('succeeded');
      const upload = lab.sandbox.control.getUpload(s.fastq.r1!.upload)!;
      const fetched = await lab.sandbox.control.s3Object(upload.bucket, upload.key);
      expect(fetched).toEqual(fastqBytes(`${s.client_id}/R1`));
    }

    // no signature anywhere in what the job hands back
    const signature = new URL(rows[0]![2]).searchParams.get('X-Amz-Signature')!;
    expect(JSON.stringify({ result, events })).not.toContain(signature);
  });

  it('fails the sample with a note when its URL is unreachable or expired at run time', async () => {
    const port = await closedPort();
    const [good] = await samplesInBucket(['IMP-B1']);
    // signed so that it is still valid at submission and expired by the time the sample runs
    await lab.put('seqrun-19/IMP-B3_R1.fastq.gz', fastqBytes('IMP-B3'));
    const shortLived = await lab.presign('seqrun-19/IMP-B3_R1.fastq.gz', { expiresIn: 2 });
    const map = await parseMapFile(
      await lab.writeMap([
        ['IMP-B1', 'R1', good![2]],
        ['IMP-B2', 'R1', `http://127.0.0.1:${port}/runs/IMP-B2_R1.fastq.gz`],
        ['IMP-B3', 'R1', shortLived],
      ]),
    );
    const result = await importUrls(client, { map, projectId: lab.sandbox.projects.default });
    expect(result.warnings).toMatchObject([{ clientId: 'IMP-B3', code: 'expires-soon', line: 4 }]);

    // wait (real time: the sandbox's S3 checks expiry on the wall clock) until the URL expired
    const expiresAt = Date.parse(result.warnings[0]!.expiresAt!);
    while (Date.now() <= expiresAt + 1000) await new Promise((r) => setTimeout(r, 200));
    await lab.sandbox.control.advance(5_000);

    const byClient = new Map(
      result.samples!.map((s) => [s.client_id, lab.sandbox.control.getSample(s.sample)!]),
    );
    expect(byClient.get('IMP-B1')!.last_status.status).toBe('succeeded');
    expect(byClient.get('IMP-B2')!.last_status).toMatchObject({
      status: 'failed',
      note: expect.stringMatching(
        new RegExp(`could not fetch source URL http://127.0.0.1:${port}/runs/IMP-B2_R1.fastq.gz`),
      ),
    });
    expect(byClient.get('IMP-B3')!.last_status).toMatchObject({
      status: 'failed',
      note: expect.stringMatching(/HTTP 403.*expired/),
    });
  });

  it('retries uploads-url on 429 and 503 until it succeeds', async () => {
    const rows = await samplesInBucket(['IMP-C1']);
    const map = await parseMapFile(await lab.writeMap(rows.slice(0, 1)));
    lab.sandbox.control.addFault({
      match: { method: 'POST', path: '/api/v2/uploads-url', target: 'api' },
      times: 2,
      fault: { type: 'status', status: 429 },
    });
    lab.sandbox.control.addFault({
      match: { method: 'POST', path: '/api/v2/uploads-url', target: 'api' },
      times: 2,
      fault: { type: 'status', status: 503 },
    });
    lab.sandbox.control.clearRequests();
    const result = await importUrls(client, { map });
    expect(result.uploads).toHaveLength(1);
    expect(urlUploadRequests().map((r) => r.status)).toEqual([429, 429, 503, 503, 201]);
  });

  it('stops at a 400 without retrying and says what was registered', async () => {
    const rows = await samplesInBucket(['IMP-D1', 'IMP-D2']);
    const first = await importUrls(client, {
      map: await parseMapFile(await lab.writeMap(rows.slice(0, 2))),
    });
    // a destination taken by a deleted upload is refused with 400 (spec §3.3)
    lab.sandbox.control.deleteUpload(first.uploads[0]!.uploadId);
    lab.sandbox.control.clearRequests();
    const error = await importUrls(client, {
      map: await parseMapFile(await lab.writeMap([rows[0]!])),
      destination: first.destination,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UrlImportError);
    const e = error as UrlImportError;
    expect(e.code).toBe('ERR_GENCOVE_VALIDATION');
    expect(e.registered).toEqual([]);
    expect(e.message).toMatch(/IMP-D1 R1 \(line 2\) failed: .*deleted.*Nothing was registered/s);
    expect(urlUploadRequests()).toHaveLength(1);
  });

  it('checks the project before registering anything', async () => {
    const rows = await samplesInBucket(['IMP-E1']);
    lab.sandbox.control.clearRequests();
    const error = await importUrls(client, {
      map: await parseMapFile(await lab.writeMap(rows)),
      projectId: lab.sandbox.projects.other,
    }).catch((e: unknown) => e);
    expect((error as { code: string }).code).toBe('ERR_GENCOVE_NOT_FOUND');
    expect(urlUploadRequests()).toEqual([]);
  });

  it('refuses the whole map before any request when a URL fails the pre-flight', async () => {
    const rows = await samplesInBucket(['IMP-F1']);
    const map = await parseMapFile(
      await lab.writeMap([
        ...rows,
        ['IMP-F2', 'R1', 'http://reads.example.org/IMP-F2_R1.fastq.gz'],
        ['IMP-F3', 'R1', await lab.presign('seqrun-19/IMP-F3_R1.fastq.gz', { expiresIn: 3600 })],
      ]),
    );
    lab.sandbox.control.clearRequests();
    const error = (await importUrls(client, { map, strictExpiry: true }).catch(
      (e: unknown) => e,
    )) as UrlPreflightError;
    expect(error).toBeInstanceOf(UrlPreflightError);
    expect(error.code).toBe('ERR_GENCOVE_INPUT');
    expect(error.problems).toEqual([
      { line: 4, message: expect.stringMatching(/plain http is refused/) },
      {
        line: 5,
        message: expect.stringMatching(/expires in (1h|59m 59s) \(.*within the 1d margin/),
      },
    ]);
    expect(lab.sandbox.control.requests).toEqual([]);
  });

  it('checkUrls reports unreachable URLs with their lines and registers nothing', async () => {
    const rows = await samplesInBucket(['IMP-G1', 'IMP-G2']);
    await lab.remove('seqrun-19/IMP-G2_S1_L001_R2_001.fastq.gz');
    const port = await closedPort();
    const map = await parseMapFile(
      await lab.writeMap([
        ...rows,
        ['IMP-G3', 'R1', `http://127.0.0.1:${port}/IMP-G3_R1.fastq.gz`],
      ]),
    );
    lab.sandbox.control.clearRequests();
    const error = (await importUrls(client, { map, checkUrls: true }).catch(
      (e: unknown) => e,
    )) as UrlPreflightError;
    expect(error).toBeInstanceOf(UrlPreflightError);
    expect(error.problems).toEqual([
      {
        line: 5,
        message: expect.stringMatching(
          /IMP-G2_S1_L001_R2_001.fastq.gz: unreachable: HTTP 404 Not Found \(NoSuchKey/,
        ),
      },
      { line: 6, message: expect.stringMatching(/unreachable: ECONNREFUSED/) },
    ]);
    expect(error.message).not.toContain('X-Amz-Signature=');
    expect(urlUploadRequests()).toEqual([]);
    // the reachable ones were probed with HEAD only
    expect(
      lab.sandbox.control.requests.filter((r) => r.target === 's3').map((r) => r.method),
    ).toContain('HEAD');
  });
});

describe('checkUrls probing', () => {
  let server: Server;
  let base: string;
  const seen: Array<{ method: string; range?: string }> = [];

  beforeAll(async () => {
    // Like a presigned URL signed for GET only: HEAD is refused, a ranged GET works.
    server = createServer((req, res) => {
      seen.push({
        method: req.method!,
        ...(req.headers.range ? { range: req.headers.range } : {}),
      });
      if (req.url?.startsWith('/empty')) {
        res.writeHead(req.method === 'HEAD' ? 403 : 416).end();
      } else if (req.method === 'HEAD') {
        res.writeHead(403).end();
      } else {
        res.writeHead(206, { 'content-range': 'bytes 0-0/123456', 'content-length': '1' }).end('x');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('falls back to a 1-byte ranged GET when HEAD is refused', async () => {
    const map = await parseMapFile(
      await lab.writeMap([['P1', 'R1', `${base}/P1_R1.fastq.gz?X-Amz-Signature=s`]]),
    );
    const plan = await planUrlImport(map, { checkUrls: true });
    expect(plan.checks).toEqual([
      { clientId: 'P1', read: 'R1', line: 2, ok: true, method: 'GET', status: 206, size: 123456 },
    ]);
    expect(seen).toEqual([{ method: 'HEAD' }, { method: 'GET', range: 'bytes=0-0' }]);
  });

  it('calls an empty object unreachable', async () => {
    const map = await parseMapFile(
      await lab.writeMap([['P2', 'R1', `${base}/empty/P2_R1.fastq.gz`]]),
    );
    const error = (await planUrlImport(map, { checkUrls: true }).catch(
      (e: unknown) => e,
    )) as UrlPreflightError;
    expect(error.problems).toEqual([
      { line: 2, message: expect.stringMatching(/HTTP 416.*probably empty/) },
    ]);
  });
});
