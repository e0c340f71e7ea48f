// Measurement script (not a test): parser throughput and registration concurrency.
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '@gencove/sandbox';
import { GencoveClient, importUrls, parseMapFile } from './src/index.js';

const dir = await mkdtemp(join(tmpdir(), 'bench-import-'));
const rows = (n: number) => Array.from({ length: n }, (_, i) => `S${i},R${(i % 2) + 1},https://lab.example.org/run/S${i - (i % 2)}_R${(i % 2) + 1}.fastq.gz?X-Amz-Date=20261124T000000Z&X-Amz-Expires=604800&X-Amz-Signature=${'a'.repeat(64)}`);
for (const n of [1_000, 20_000, 100_000]) {
  const lines = Array.from({ length: n }, (_, i) => { const s = Math.floor(i / 2); const r = (i % 2) + 1; return `S${s},R${r},https://lab.example.org/run/S${s}_R${r}.fastq.gz?X-Amz-Date=20261124T000000Z&X-Amz-Expires=604800&X-Amz-Signature=${'a'.repeat(64)}`; });
  const p = join(dir, `b${n}.fastq-map.csv`);
  await writeFile(p, `client_id,r_notation,path\n${lines.join('\n')}\n`);
  const t = performance.now(); const before = process.memoryUsage().rss;
  const map = await parseMapFile(p);
  console.log(`parse ${n} URL rows: ${(performance.now() - t).toFixed(0)} ms, groups ${map.groups.length}, rss +${((process.memoryUsage().rss - before) / 1e6).toFixed(0)} MB`);
}
void rows;
const sb = await startSandbox({ pipeline: 'manual' });
try {
  const client = new GencoveClient({ host: sb.url, apiKey: sb.apiKey });
  const n = 400;
  const lines = Array.from({ length: n }, (_, i) => { const s = Math.floor(i / 2); const r = (i % 2) + 1; return `B${s},R${r},http://127.0.0.1:1/run/B${s}_R${r}.fastq.gz`; });
  const p = join(dir, 'reg.fastq-map.csv');
  await writeFile(p, `client_id,r_notation,path\n${lines.join('\n')}\n`);
  const map = await parseMapFile(p);
  sb.control.addFault({ match: { method: 'POST', path: '/api/v2/uploads-url' }, times: Number.POSITIVE_INFINITY, fault: { type: 'delay', ms: 50 } });
  for (const concurrency of [1, 8, 32]) {
    const t = performance.now();
    const r = await importUrls(client, { map, concurrency });
    console.log(`register ${r.uploads.length} URLs, 50 ms server latency, concurrency ${concurrency}: ${((performance.now() - t) / 1000).toFixed(2)} s`);
  }
  await client.close();
} finally { await sb.close(); await rm(dir, { recursive: true, force: true }); }
