// Listing a 10,000-sample project through the client (GET project-samples, 50 pages of 200).
// Usage: node bench/status/list-10k.mjs [runs=7]   (build first: npm run build)
import { performance } from 'node:perf_hooks';
import { GencoveClient, listSamples } from '@gencove/core';
import { startSandbox } from '@gencove/sandbox';

const runs = Number(process.argv[2] ?? 7);
const sandbox = await startSandbox({ pipeline: 'manual', largeProjectSamples: 10_000 });
const client = new GencoveClient({ host: sandbox.url, apiKey: sandbox.apiKey });
const projectId = sandbox.projects.large;
try {
  const times = [];
  let count = 0;
  for (let i = 0; i < runs; i++) {
    const before = sandbox.control.requests.length;
    const start = performance.now();
    count = 0;
    for await (const _ of listSamples(client, projectId, { hiddenStatus: 'all' })) count++;
    times.push(performance.now() - start);
    const requests = sandbox.control.requests.length - before;
    if (i === 0) console.log(`samples listed: ${count}, requests per listing: ${requests}`);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  console.log(`runs (ms): ${times.map((t) => t.toFixed(0)).join(', ')}`);
  console.log(
    `first run ${times[0].toFixed(0)} ms, median ${median.toFixed(0)} ms, best ${sorted[0].toFixed(0)} ms (goal ≤ 2000 ms)`,
  );
} finally {
  await client.close();
  await sandbox.close();
}
