/**
 * Helpers of the status tests: a simulated clock that drives the sandbox pipeline, a client
 * whose retry waits run on that clock, and real samples created through the API (URL imports
 * of a FASTQ served on 127.0.0.1, then assignment).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Sandbox, startSandbox } from '@gencove/sandbox';
import { AbortError, GencoveClient } from '../src/index.js';

/** Simulated time: every sleep moves it forward and advances the sandbox pipeline by as much. */
export class SimClock {
  t = Date.parse('2026-01-05T09:00:00.000Z');
  sleeps: number[] = [];

  constructor(private readonly sandbox: Sandbox) {}

  now = (): number => this.t;

  sleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
    if (signal?.aborted) throw new AbortError();
    this.sleeps.push(ms);
    this.t += ms;
    await this.sandbox.control.advance(ms);
    if (signal?.aborted) throw new AbortError();
  };
}

export function simClient(sandbox: Sandbox, clock: SimClock): GencoveClient {
  return new GencoveClient({
    host: sandbox.url,
    apiKey: sandbox.apiKey,
    retry: { sleep: clock.sleep, now: clock.now, random: () => 0.5 },
  });
}

export async function manualSandbox(
  options: { largeProjectSamples?: number } = {},
): Promise<Sandbox> {
  return startSandbox({ pipeline: 'manual', ...options });
}

/** Serves a small FASTQ for URL imports. */
export async function fastqServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const body = '@r1\nACGTACGTAC\n+\nIIIIIIIIII\n';
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/sample.fastq.gz`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface CreatedSample {
  id: string;
  clientId: string;
}

/**
 * Creates one sample per client id in `projectId` (status `created`; the pipeline moves it on
 * when the sandbox clock advances). Client ids containing FAILQC end `failed qc`, FAIL `failed`.
 */
export async function createSamples(
  client: GencoveClient,
  projectId: string,
  clientIds: readonly string[],
  sourceUrl: string,
): Promise<CreatedSample[]> {
  const folder = `gncv://status-test-${randomUUID().slice(0, 8)}/`;
  for (const clientId of clientIds) {
    await client.createUrlUpload(`${folder}${clientId}_R1.fastq.gz`, sourceUrl);
  }
  const entries = await client.listSampleSheet({ search: folder, status: 'unassigned' }).toArray();
  const created: CreatedSample[] = [];
  for (let i = 0; i < entries.length; i += 200) {
    const response = await client.assignUploads(projectId, entries.slice(i, i + 200));
    for (const u of response.uploads) created.push({ id: u.sample, clientId: u.client_id ?? '' });
  }
  const order = new Map(clientIds.map((c, i) => [c, i]));
  return created.sort((a, b) => (order.get(a.clientId) ?? 0) - (order.get(b.clientId) ?? 0));
}

/** API requests (not S3) logged by the sandbox since `from`. */
export function apiRequests(sandbox: Sandbox, from = 0) {
  return sandbox.control.requests.slice(from).filter((r) => r.target === 'api');
}

/** A fresh, empty project (same pipeline as the seeded default project). */
export async function newProject(client: GencoveClient, sandbox: Sandbox): Promise<string> {
  const template = await client.getProject(sandbox.projects.default);
  const project = await client.createProject({
    name: `status-test-${randomUUID().slice(0, 8)}`,
    pipelineCapabilities: String(template.pipeline_capabilities),
  });
  return project.id;
}
