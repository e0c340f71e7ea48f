#!/usr/bin/env node
/**
 * Download benchmark: `gencove download` vs curl (one file at a time) vs aria2c, on loopback and
 * under WAN-like conditions (nginx `limit_rate` per connection + a userspace per-request latency
 * proxy). The API is the sandbox (@gencove/sandbox, in this process, on 127.0.0.1): each scenario
 * gets a project of its own whose samples are created through the API (URL imports + assignment,
 * instant pipeline) and whose `alignment-bam` deliverables are served by nginx
 * (`control.addExternalFiles`) — the sandbox's own S3 (s3rver) would be the bottleneck. Each run
 * is measured with /usr/bin/time -v (wall time, peak RSS, CPU seconds) and /proc/stat (how busy
 * the whole machine was meanwhile: every core, every process); tools run interleaved,
 * BENCH_ROUNDS times (each round starting with the next tool; `sync` before every run), and
 * medians are reported.
 *
 *   apt-get install -y nginx aria2      # once
 *   npx turbo run build --filter=@gencove/cli --filter=@gencove/sandbox
 *   node bench/download/run.mjs
 *
 * Environment knobs (defaults in brackets):
 *   BENCH_ROUNDS [3]; BENCH_ONLY=loopback-batch,loopback-single,wan-batch,wan-single [all];
 *   BENCH_TOOLS=substring,… (only tools whose name contains one of them; `=name` matches exactly,
 *   e.g. `=ours`) [all];
 *   BENCH_BATCH_FILES [80] × BENCH_BATCH_MIB [64]; BENCH_SINGLE_MIB [2048];
 *   BENCH_WAN_BATCH_FILES [24] × BENCH_WAN_BATCH_MIB [16]; BENCH_WAN_SINGLE_MIB [256];
 *   BENCH_WAN_RATE [8m per connection, nginx syntax]; BENCH_WAN_LATENCY_MS [50 per request];
 *   BENCH_DIR [/tmp/gencove-bench-download] (data, generated once, and the output directory);
 *   BENCH_PROFILE_DIR (unset: off) — V8 CPU profiles of our runs (`node --cpu-prof`) land there.
 *
 * Writes bench/results/download-<time>.json and prints a Markdown table.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { startDelayProxy } from './delay-proxy.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const CLI = join(here, '../../packages/cli/dist/bin.js');
const SANDBOX = join(here, '../../packages/sandbox/dist/index.js');
const TUNING_PRELOAD = join(here, 'tuning.mjs');
const RESULTS = join(here, '../results');
const env = process.env;
const MiB = 1024 * 1024;
const cfg = {
  root: env.BENCH_DIR ?? '/tmp/gencove-bench-download',
  rounds: Number(env.BENCH_ROUNDS ?? 3),
  batchFiles: Number(env.BENCH_BATCH_FILES ?? 80),
  batchMiB: Number(env.BENCH_BATCH_MIB ?? 64),
  singleMiB: Number(env.BENCH_SINGLE_MIB ?? 2048),
  wanBatchFiles: Number(env.BENCH_WAN_BATCH_FILES ?? 24),
  wanBatchMiB: Number(env.BENCH_WAN_BATCH_MIB ?? 16),
  wanSingleMiB: Number(env.BENCH_WAN_SINGLE_MIB ?? 256),
  wanRate: env.BENCH_WAN_RATE ?? '8m',
  wanLatencyMs: Number(env.BENCH_WAN_LATENCY_MS ?? 50),
  only: env.BENCH_ONLY?.split(',').filter(Boolean),
  tools: env.BENCH_TOOLS?.split(',').filter(Boolean),
  profileDir: env.BENCH_PROFILE_DIR,
};

const SCENARIOS = [
  { name: 'loopback-batch', files: cfg.batchFiles, mib: cfg.batchMiB, wan: false },
  { name: 'loopback-single', files: 1, mib: cfg.singleMiB, wan: false },
  { name: 'wan-batch', files: cfg.wanBatchFiles, mib: cfg.wanBatchMiB, wan: true },
  { name: 'wan-single', files: 1, mib: cfg.wanSingleMiB, wan: true },
].filter((s) => !cfg.only || cfg.only.includes(s.name));

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function sha256File(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * MiB })) hash.update(chunk);
  return hash.digest('hex');
}

/** Random files (incompressible), generated once and reused; sha256 cached in a manifest. */
async function ensureData(scenario) {
  const dir = join(cfg.root, 'data', scenario.name);
  mkdirSync(dir, { recursive: true });
  const manifestPath = join(dir, 'manifest.json');
  const manifest = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')) : {};
  const files = [];
  for (let i = 0; i < scenario.files; i++) {
    const name = `f${String(i).padStart(3, '0')}.bam`;
    const path = join(dir, name);
    const size = scenario.mib * MiB;
    if (!existsSync(path) || statSync(path).size !== size || !manifest[name]) {
      const fd = openSync(path, 'w');
      spawnSync('head', ['-c', String(size), '/dev/urandom'], { stdio: ['ignore', fd, 'inherit'] });
      closeSync(fd);
      manifest[name] = await sha256File(path);
    }
    files.push({ name, size, sha256: manifest[name], path: `/${scenario.name}/${name}` });
  }
  writeFileSync(manifestPath, JSON.stringify(manifest));
  return files;
}

async function startNginx(plainPort, limitedPort) {
  const prefix = join(cfg.root, 'nginx');
  mkdirSync(join(prefix, 'tmp'), { recursive: true });
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes 1;
${process.getuid?.() === 0 ? 'user root;' : ''}
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  keepalive_timeout 60;
  default_type application/octet-stream;
  client_body_temp_path ${prefix}/tmp/body;
  proxy_temp_path ${prefix}/tmp/proxy;
  fastcgi_temp_path ${prefix}/tmp/fastcgi;
  uwsgi_temp_path ${prefix}/tmp/uwsgi;
  scgi_temp_path ${prefix}/tmp/scgi;
  server { listen 127.0.0.1:${plainPort}; root ${join(cfg.root, 'data')}; }
  server { listen 127.0.0.1:${limitedPort}; root ${join(cfg.root, 'data')}; limit_rate ${cfg.wanRate}; }
}
`,
  );
  const child = spawn('nginx', ['-c', conf, '-p', prefix, '-g', 'daemon off;'], {
    stdio: 'inherit',
  });
  for (let i = 0; i < 50; i++) {
    if (
      await fetch(`http://127.0.0.1:${plainPort}/`).then(
        () => true,
        () => false,
      )
    )
      break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return child;
}

/** JSON call to the sandbox API with its API key; throws on an error status. */
async function call(sb, method, path, body) {
  const res = await fetch(path.startsWith('http') ? path : `${sb.url}${path}`, {
    method,
    headers: { authorization: `Api-Key ${sb.apiKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → HTTP ${res.status}: ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

/**
 * A sandbox project with one succeeded sample per file, created the way a lab would (a project,
 * URL imports of a tiny FASTQ from nginx, assignment; the sandbox pipeline is instant), whose
 * `alignment-bam` is then the benchmark file served by nginx at `urlOf(file)`.
 */
async function createProject(sb, scenario, files, urlOf, readsUrl) {
  const project = await call(sb, 'POST', '/api/v2/projects/', {
    name: `bench download ${scenario.name}`,
  });
  const folder = `bench-download-${scenario.name}-${Date.now()}`;
  const clientId = (file) => file.name.replace(/\..*$/, '');
  for (const file of files) {
    await call(sb, 'POST', '/api/v2/uploads-url/', {
      destination_path: `gncv://${folder}/${clientId(file)}_R1.fastq.gz`,
      source_url: readsUrl,
    });
  }
  const entries = [];
  let next = `/api/v2/sample-sheet/?search=${encodeURIComponent(`gncv://${folder}/`)}&status=unassigned&limit=1000`;
  while (next) {
    const page = await call(sb, 'GET', next);
    entries.push(...page.results);
    next = page.meta.next;
  }
  const samples = new Map();
  for (let i = 0; i < entries.length; i += 200) {
    const res = await call(sb, 'POST', `/api/v2/project-samples/${project.id}`, {
      uploads: entries.slice(i, i + 200),
      metadata: null,
    });
    for (const u of res.uploads) samples.set(u.client_id, u.sample);
  }
  for (const file of files) {
    const sampleId = samples.get(clientId(file));
    if (!sampleId) throw new Error(`no sample was created for ${file.name}`);
    const snapshot = sb.control.addExternalFiles(sampleId, [
      { fileType: 'alignment-bam', size: file.size, sha256: file.sha256, url: urlOf(file) },
    ]);
    if (snapshot.last_status.status !== 'succeeded') {
      throw new Error(`sample ${sampleId} is ${snapshot.last_status.status}, not succeeded`);
    }
  }
  return project.id;
}

/** Jiffies of all CPUs from /proc/stat: busy (everything but idle and iowait) and total. */
function cpuJiffies() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/**
 * Runs a command under /usr/bin/time -v; returns wall s, peak RSS MiB, CPU s, and how busy the
 * whole machine was meanwhile (every core, every process: client, nginx, kernel). Asynchronous: the
 * sandbox and the latency proxy live in this process and must keep serving meanwhile.
 */
function timed(command, args, extraEnv = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-v', command, ...args], {
      env: { ...env, ...extraEnv },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let report = '';
    const before = cpuJiffies();
    child.stderr.on('data', (chunk) => {
      report += chunk;
    });
    child.on('error', reject);
    child.on('close', (status) => {
      const after = cpuJiffies();
      const field = (label) => report.match(new RegExp(`${label}: (.*)`))?.[1]?.trim();
      if (status !== 0) {
        reject(new Error(`${command} ${args.join(' ')} exited ${status}:\n${report.slice(-2000)}`));
        return;
      }
      const wallText = field('Elapsed \\(wall clock\\) time \\(h:mm:ss or m:ss\\)') ?? '0:0';
      resolve({
        wall: wallText.split(':').reduce((sum, part) => sum * 60 + Number(part), 0),
        rssMiB: Number(field('Maximum resident set size \\(kbytes\\)')) / 1024,
        cpu: Number(field('User time \\(seconds\\)')) + Number(field('System time \\(seconds\\)')),
        machineBusyPercent: (100 * (after.busy - before.busy)) / (after.total - before.total),
      });
    });
  });
}

const ONE_STREAM = 'ours, forced: one stream';
const ONE_STREAM_NO_VERIFY = 'ours --no-verify, forced: one stream';
const PARALLEL = 'ours, forced: parallel parts';
const NO_WRITE_BEHIND = 'ours, fsync only at the end';

function tools(scenario, sb, projectId, urls, out, { all = false } = {}) {
  const list = join(cfg.root, `${scenario.name}.urls`);
  writeFileSync(list, urls.map((u) => `${u}\n  out=${u.split('/').pop()}`).join('\n'));
  const pairs = join(cfg.root, `${scenario.name}.pairs`);
  writeFileSync(pairs, urls.map((u) => `${u} ${join(out, u.split('/').pop())}\n`).join(''));
  const ours = (extra, tuning) => [
    process.execPath,
    [
      ...(cfg.profileDir ? ['--cpu-prof', '--cpu-prof-dir', cfg.profileDir] : []),
      ...(tuning ? ['--import', TUNING_PRELOAD] : []),
      CLI,
      'download',
      out,
      '--project-id',
      projectId,
      '--file-types',
      'alignment-bam',
      '--no-progress',
      '--download-template',
      '{default_filename}',
      ...extra,
    ],
    {
      GENCOVE_HOST: sb.url,
      GENCOVE_API_KEY: sb.apiKey,
      ...(tuning ? { BENCH_TUNING: JSON.stringify(tuning) } : {}),
    },
  ];
  const aria = (extra) => [
    'aria2c',
    [
      '-d',
      out,
      '--file-allocation=none',
      '--console-log-level=warn',
      '--summary-interval=0',
      '--allow-overwrite=true',
      '--auto-file-renaming=false',
      '-q',
      ...extra,
    ],
  ];
  const t = {
    ours: ours([]),
    'ours --no-verify': ours(['--no-verify']),
    // The single-stream heuristic of the engine, checked by forcing each of its two branches.
    [PARALLEL]: ours([], { singleStreamBytesPerSecond: 'Infinity' }),
    // The write-behind flush undone: the whole file is flushed by the fsync before the rename.
    [NO_WRITE_BEHIND]: ours([], { syncEveryBytes: 0 }),
  };
  // On the WAN a forced single stream is just the per-connection cap (the curl row shows it).
  if (!scenario.wan) {
    t[ONE_STREAM] = ours([], { singleStreamBytesPerSecond: 0 });
    // The sha256 cost on one and the same branch (the heuristic may pick either per run).
    t[ONE_STREAM_NO_VERIFY] = ours(['--no-verify'], {
      singleStreamBytesPerSecond: 0,
    });
  }
  if (scenario.files > 1) {
    const loop = (sync) =>
      `mkdir -p ${out} && while read url dest; do curl -sS --fail -o "$dest" "$url" || exit 1;${sync ? ' sync "$dest" || exit 1;' : ''} done < ${pairs}`;
    t['curl, one file at a time'] = ['sh', ['-c', loop(false)]];
    // `gencove download` fsyncs every file before renaming it into place; curl does not.
    if (!scenario.wan) t['curl, one file at a time, + fsync'] = ['sh', ['-c', loop(true)]];
    t['aria2c -j8 -x8'] = aria(['-i', list, '-j', '8', '-x', '8', '-s', '8', '-k', '4M']);
    t['aria2c -j1 -x8 (official-like)'] = aria([
      '-i',
      list,
      '-j',
      '1',
      '-x',
      '8',
      '-s',
      '8',
      '-k',
      '8M',
    ]);
  } else {
    const dest = join(out, urls[0].split('/').pop());
    t.curl = ['sh', ['-c', `mkdir -p ${out} && curl -sS --fail -o ${dest} "${urls[0]}"`]];
    if (!scenario.wan) {
      t['curl + fsync'] = [
        'sh',
        ['-c', `mkdir -p ${out} && curl -sS --fail -o ${dest} "${urls[0]}" && sync ${dest}`],
      ];
    }
    t['aria2c -x8'] = aria(['-x', '8', '-s', '8', '-k', '8M', urls[0]]);
  }
  if (all || !cfg.tools) return t;
  return Object.fromEntries(
    Object.entries(t).filter(([name]) =>
      cfg.tools.some((x) => (x.startsWith('=') ? name === x.slice(1) : name.includes(x))),
    ),
  );
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main() {
  if (!existsSync(CLI)) throw new Error(`build the CLI first: ${CLI} is missing`);
  if (!existsSync(SANDBOX)) throw new Error(`build the sandbox first: ${SANDBOX} is missing`);
  for (const bin of ['nginx', 'aria2c', 'curl']) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0)
      throw new Error(`${bin} is not installed (apt-get install -y nginx aria2)`);
  }
  const { startSandbox } = await import(SANDBOX);
  mkdirSync(cfg.root, { recursive: true });
  console.error('Preparing data…');
  const data = {};
  for (const s of SCENARIOS) data[s.name] = await ensureData(s);
  mkdirSync(join(cfg.root, 'data', 'reads'), { recursive: true });
  writeFileSync(
    join(cfg.root, 'data', 'reads', 'bench_R1.fastq.gz'),
    gzipSync('@r1\nACGTACGTAC\n+\nIIIIIIIIII\n'),
  );
  const plainPort = await freePort();
  const limitedPort = await freePort();
  const nginx = await startNginx(plainPort, limitedPort);
  const proxy = await startDelayProxy(limitedPort, cfg.wanLatencyMs);
  const sb = await startSandbox({ pipeline: 'instant' });
  const base = (s) => (s.wan ? `http://127.0.0.1:${proxy.port}` : `http://127.0.0.1:${plainPort}`);
  const results = [];
  const rawRuns = {};
  const loads = [];
  try {
    const projectIds = {};
    for (const s of SCENARIOS) {
      projectIds[s.name] = await createProject(
        sb,
        s,
        data[s.name],
        (f) => `${base(s)}${f.path}`,
        `http://127.0.0.1:${plainPort}/reads/bench_R1.fastq.gz`,
      );
    }
    for (const s of SCENARIOS) {
      const out = join(cfg.root, 'out');
      const urls = data[s.name].map((f) => `${base(s)}${f.path}`);
      const bytes = data[s.name].reduce((n, f) => n + f.size, 0);
      const t = tools(s, sb, projectIds[s.name], urls, out);
      const runs = Object.fromEntries(Object.keys(t).map((k) => [k, []]));
      console.error(
        `\n${s.name}: ${s.files} × ${s.mib} MiB${s.wan ? ` (limit ${cfg.wanRate}/connection, +${cfg.wanLatencyMs} ms per request)` : ''}`,
      );
      const entries = Object.entries(t);
      const baseline = s.files > 1 ? 'curl, one file at a time' : 'curl';
      // One untimed run of the baseline first: the first run of a scenario took 1.6–1.8× the
      // wall time of the same tool's later rounds (19–21 s vs 11.7–13.5 s on the loopback batch,
      // 30 vs 18–21 CPU s; fresh page-cache pages on this VM, we think), and it was always `ours`.
      rmSync(out, { recursive: true, force: true });
      mkdirSync(out, { recursive: true });
      await timed(...tools(s, sb, projectIds[s.name], urls, out, { all: true })[baseline]);
      for (let round = 0; round < cfg.rounds; round++) {
        // Each round starts one tool later, so that no tool always follows the same one.
        const order = entries.map((_, i) => entries[(i + round) % entries.length]);
        for (const [name, [cmd, args, extraEnv]] of order) {
          rmSync(out, { recursive: true, force: true });
          mkdirSync(out, { recursive: true });
          // The previous run's writes are flushed first: each run starts with a quiet disk.
          spawnSync('sync');
          proxy.counts.requests = 0;
          proxy.counts.ranged = 0;
          const r = await timed(cmd, args, extraEnv);
          r.load1 = loadavg()[0];
          loads.push(r.load1);
          if (s.wan) r.requests = { ...proxy.counts };
          const got = execFileSync('find', [out, '-type', 'f', '-printf', '%s\\n'], {
            encoding: 'utf8',
          })
            .split('\n')
            .filter(Boolean)
            .reduce((n, x) => n + Number(x), 0);
          if (Number(got) !== bytes)
            throw new Error(`${name}: wrote ${got} bytes, expected ${bytes}`);
          runs[name].push(r);
          console.error(
            `  round ${round + 1} ${name}: ${r.wall.toFixed(2)} s, ${(bytes / MiB / r.wall).toFixed(0)} MiB/s, RSS ${r.rssMiB.toFixed(0)} MiB, CPU ${r.cpu.toFixed(2)} s, machine busy ${r.machineBusyPercent.toFixed(0)} %, load ${r.load1.toFixed(1)}${r.requests ? `, ${r.requests.requests} requests (${r.requests.ranged} ranged)` : ''}`,
          );
        }
      }
      rmSync(out, { recursive: true, force: true });
      rawRuns[s.name] = runs;
      const baseWall = runs[baseline] ? median(runs[baseline].map((r) => r.wall)) : Number.NaN;
      for (const [name, rs] of Object.entries(runs)) {
        const wall = median(rs.map((r) => r.wall));
        results.push({
          scenario: s.name,
          tool: name,
          runs: rs.length,
          wallSeconds: +wall.toFixed(2),
          mibPerSecond: +(bytes / MiB / wall).toFixed(0),
          speedupVsBaseline: +(baseWall / wall).toFixed(2),
          peakRssMiB: +Math.max(...rs.map((r) => r.rssMiB)).toFixed(0),
          cpuSecondsPerGiB: +(median(rs.map((r) => r.cpu)) / (bytes / (1024 * MiB))).toFixed(2),
          machineBusyPercent: +median(rs.map((r) => r.machineBusyPercent)).toFixed(0),
        });
      }
      // Same-round ratios: ours with sha256 ÷ ours --no-verify, round by round.
      const verifyRatios = runs.ours.map((r, i) => r.wall / runs['ours --no-verify'][i].wall);
      results.push({
        scenario: s.name,
        tool: 'sha256 cost (ours ÷ --no-verify, per round)',
        verifyOverheadPercent: +(100 * (median(verifyRatios) - 1)).toFixed(1),
        perRound: verifyRatios.map((x) => +x.toFixed(3)),
      });
      const noVerifyOneStream = runs[ONE_STREAM_NO_VERIFY];
      if (noVerifyOneStream && runs[ONE_STREAM]) {
        const ratios = runs[ONE_STREAM].map((r, i) => r.wall / noVerifyOneStream[i].wall);
        results.push({
          scenario: s.name,
          tool: 'sha256 cost, both forced to one stream (per round)',
          verifyOverheadPercent: +(100 * (median(ratios) - 1)).toFixed(1),
          perRound: ratios.map((x) => +x.toFixed(3)),
        });
      }
    }
  } finally {
    await sb.close();
    await proxy.close();
    nginx.kill('SIGTERM');
  }
  mkdirSync(RESULTS, { recursive: true });
  const file = join(RESULTS, `download-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify({ cfg, loadAverage1: loads, results, runs: rawRuns }, null, 2),
  );
  console.error(
    `\nRaw results: ${file}; load average (1 min) during runs: median ${median(loads).toFixed(1)}, max ${Math.max(...loads).toFixed(1)}`,
  );
  console.log(
    '| scenario | tool | runs | median wall s | MiB/s | × baseline | peak RSS MiB | CPU s/GiB | machine busy |',
  );
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    if ('verifyOverheadPercent' in r) {
      console.log(
        `| ${r.scenario} | ${r.tool} | | ${r.verifyOverheadPercent} % (${r.perRound.join(', ')}) | | | | | |`,
      );
    } else {
      console.log(
        `| ${r.scenario} | ${r.tool} | ${r.runs} | ${r.wallSeconds} | ${r.mibPerSecond} | ${r.speedupVsBaseline} | ${r.peakRssMiB} | ${r.cpuSecondsPerGiB} | ${r.machineBusyPercent} % |`,
      );
    }
  }
}

await main();
