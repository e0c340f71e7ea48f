// Requests a 1,000-sample wait costs per hour: the real watch engine against the sandbox, on a
// simulated clock (every sleep advances the sandbox clock too), counting API requests from the
// sandbox request log. Usage: node bench/status/wait-cost.mjs   (build first: npm run build)
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { GencoveClient, waitForSamples, watchSamples } from '@gencove/core';
import { startSandbox } from '@gencove/sandbox';

const SAMPLES = 1000;
const HOUR = 3_600_000;

function seeded(seed) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const fastq = createServer((_req, res) => res.end('@r\nACGT\n+\nIIII\n'));
await new Promise((resolve) => fastq.listen(0, '127.0.0.1', resolve));
const fastqUrl = `http://127.0.0.1:${fastq.address().port}/r.fastq.gz`;
const sandbox = await startSandbox({ pipeline: 'manual' });

/** Simulated time; `onTick(now)` runs after every advance (scheduled status changes). */
function simClock(onTick = async () => {}) {
  const clock = {
    t: Date.parse('2026-01-05T09:00:00Z'),
    now: () => clock.t,
    sleep: async (ms) => {
      clock.t += ms;
      await sandbox.control.advance(ms);
      await onTick(clock.t);
    },
  };
  return clock;
}

async function projectWith(client, n) {
  const template = await client.getProject(sandbox.projects.default);
  const project = await client.createProject({
    name: `bench-${randomUUID().slice(0, 8)}`,
    pipelineCapabilities: String(template.pipeline_capabilities),
  });
  const folder = `gncv://bench-${randomUUID().slice(0, 8)}/`;
  for (let i = 0; i < n; i++) {
    const clientId = `B-${String(i).padStart(4, '0')}${i % 20 === 7 ? '-FAILQC' : ''}`;
    await client.createUrlUpload(`${folder}${clientId}_R1.fastq.gz`, fastqUrl);
  }
  const entries = await client.listSampleSheet({ search: folder, status: 'unassigned' }).toArray();
  const ids = [];
  for (let i = 0; i < entries.length; i += 200) {
    const r = await client.assignUploads(project.id, entries.slice(i, i + 200));
    ids.push(...r.uploads.map((u) => ({ id: u.sample, clientId: u.client_id })));
  }
  return { projectId: project.id, samples: ids };
}

const apiSince = (from) => sandbox.control.requests.slice(from).filter((r) => r.target === 'api');

async function scenario(name, run) {
  const from = sandbox.control.requests.length;
  const out = await run();
  const requests = apiSince(from);
  const pages = requests.filter((r) => r.path.startsWith('/api/v2/project-samples/')).length;
  console.log(
    `${name}: ${requests.length} requests (${pages} listing pages, ${requests.length - pages} sample GETs) ${out}`,
  );
  return requests.length;
}

const setup = new GencoveClient({ host: sandbox.url, apiKey: sandbox.apiKey });
try {
  // 1. Staggered: 1,000 samples running, finishing one by one evenly over one hour.
  const staggered = await projectWith(setup, SAMPLES);
  for (const s of staggered.samples) await sandbox.control.setSampleStatus(s.id, 'running');
  const due = staggered.samples.map((s, i) => ({ ...s, at: ((i + 1) * HOUR) / SAMPLES }));
  let start = 0;
  const clock1 = simClock(async (now) => {
    while (due.length && now - start >= due[0].at) {
      const s = due.shift();
      await sandbox.control.setSampleStatus(
        s.id,
        s.clientId.includes('FAILQC') ? 'failed qc' : 'succeeded',
      );
    }
  });
  start = clock1.now();
  const c1 = new GencoveClient({
    host: sandbox.url,
    apiKey: sandbox.apiKey,
    retry: { sleep: clock1.sleep, now: clock1.now },
  });
  let state;
  await scenario(
    'staggered, 1,000 samples finishing evenly over 1 h, default settings',
    async () => {
      const r = await waitForSamples(
        c1,
        { projectId: staggered.projectId },
        { now: clock1.now, sleep: clock1.sleep, random: seeded(1) },
      );
      state = r.state;
      return `→ ${r.outcome} after ${(r.elapsedMs / 60_000).toFixed(1)} min simulated`;
    },
  );

  // 2. Quiet hour: watching the same 1,000 finished samples for one more hour (n8n-style watch).
  await scenario('quiet hour, watching those 1,000 samples while nothing changes', async () => {
    let polls = 0;
    let full = 0;
    for await (const e of watchSamples(
      c1,
      { projectId: staggered.projectId },
      {
        state,
        timeoutMs: HOUR,
        now: clock1.now,
        sleep: clock1.sleep,
        random: seeded(3),
      },
    )) {
      if (e.type === 'poll') {
        polls++;
        if (e.mode === 'full') full++;
      }
    }
    return `in 1 h simulated (${polls} polls, ${full} full sweeps)`;
  });
  await c1.close();

  // 3. Lockstep: the sandbox pipeline moves all 1,000 at once (created → running → final in 2 s).
  const lockstep = await projectWith(setup, SAMPLES);
  const clock2 = simClock();
  const c2 = new GencoveClient({
    host: sandbox.url,
    apiKey: sandbox.apiKey,
    retry: { sleep: clock2.sleep, now: clock2.now },
  });
  await scenario('lockstep, 1,000 samples all finishing at once', async () => {
    const r = await waitForSamples(
      c2,
      { projectId: lockstep.projectId },
      { now: clock2.now, sleep: clock2.sleep, random: seeded(2) },
    );
    return `→ ${r.outcome} after ${(r.elapsedMs / 1000).toFixed(0)} s simulated`;
  });
  await c2.close();

  console.log(
    'baselines (computed): full listing every 5 s = 720 polls × 5 pages = 3,600 requests/h; one GET per sample every 5 s = 720,000 requests/h',
  );
} finally {
  await setup.close();
  await sandbox.close();
  fastq.closeAllConnections();
  fastq.close();
}
