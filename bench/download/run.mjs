#!/usr/bin/env node
/**
 * Download benchmark: `gencove download` vs curl (one file at a time) vs aria2c, from nginx on
 * 127.0.0.1 (sendfile, not the bottleneck), on loopback and under WAN-like conditions (nginx
 * `limit_rate` per connection + a userspace per-request latency proxy). Each run is measured with
 * /usr/bin/time -v (wall time, peak RSS, CPU seconds); tools run interleaved, BENCH_ROUNDS times,
 * and medians are reported.
 *
 *   apt-get install -y nginx aria2      # once
 *   npm run build -w @gencove/core -w @gencove/cli
 *   node bench/download/run.mjs         # BENCH_ONLY=loopback-single,wan-batch to pick scenarios
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
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDelayProxy } from './delay-proxy.mjs';
import { startFakeApi } from './fake-api.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const CLI = join(here, '../../packages/cli/dist/bin.js');
const env = process.env;
const MiB = 1024 * 1024;
const cfg = {
  root: env.BENCH_DIR ?? '/tmp/gencove-bench-download',
  rounds: Number(env.BENCH_ROUNDS ?? 3),
  batchFiles: Number(env.BENCH_BATCH_FILES ?? 48),
  batchMiB: Number(env.BENCH_BATCH_MIB ?? 32),
  singleMiB: Number(env.BENCH_SINGLE_MIB ?? 2048),
  wanBatchFiles: Number(env.BENCH_WAN_BATCH_FILES ?? 24),
  wanBatchMiB: Number(env.BENCH_WAN_BATCH_MIB ?? 16),
  wanSingleMiB: Number(env.BENCH_WAN_SINGLE_MIB ?? 256),
  wanRate: env.BENCH_WAN_RATE ?? '8m',
  wanLatencyMs: Number(env.BENCH_WAN_LATENCY_MS ?? 50),
  only: env.BENCH_ONLY?.split(',').filter(Boolean),
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

/**
 * Runs a command under /usr/bin/time -v; returns wall s, peak RSS MiB, CPU s. Asynchronous: the
 * fake API and the latency proxy live in this process and must keep serving meanwhile.
 */
function timed(command, args, extraEnv = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-v', command, ...args], {
      env: { ...env, ...extraEnv },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let report = '';
    child.stderr.on('data', (chunk) => {
      report += chunk;
    });
    child.on('error', reject);
    child.on('close', (status) => {
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
      });
    });
  });
}

function tools(scenario, api, projectId, urls, out) {
  const list = join(cfg.root, `${scenario.name}.urls`);
  writeFileSync(list, urls.map((u) => `${u}\n  out=${u.split('/').pop()}`).join('\n'));
  const pairs = join(cfg.root, `${scenario.name}.pairs`);
  writeFileSync(pairs, urls.map((u) => `${u} ${join(out, u.split('/').pop())}\n`).join(''));
  const ours = (extra) => [
    process.execPath,
    [
      ...(env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
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
    { GENCOVE_HOST: api, GENCOVE_API_KEY: 'bench' },
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
  };
  if (scenario.files > 1) {
    t['curl, one file at a time'] = [
      'sh',
      [
        '-c',
        `mkdir -p ${out} && while read url dest; do curl -sS --fail -o "$dest" "$url" || exit 1; done < ${pairs}`,
      ],
    ];
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
    t.curl = [
      'sh',
      ['-c', `mkdir -p ${out} && curl -sS --fail -o ${join(out, 'single.bam')} "${urls[0]}"`],
    ];
    t['aria2c -x8'] = aria(['-x', '8', '-s', '8', '-k', '8M', urls[0]]);
  }
  return t;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main() {
  if (!existsSync(CLI)) throw new Error(`build the CLI first: ${CLI} is missing`);
  for (const bin of ['nginx', 'aria2c', 'curl']) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0)
      throw new Error(`${bin} is not installed (apt-get install -y nginx aria2)`);
  }
  mkdirSync(cfg.root, { recursive: true });
  console.error('Preparing data…');
  const data = {};
  for (const s of SCENARIOS) data[s.name] = await ensureData(s);
  const plainPort = await freePort();
  const limitedPort = await freePort();
  const nginx = await startNginx(plainPort, limitedPort);
  const proxy = await startDelayProxy(limitedPort, cfg.wanLatencyMs);
  const base = (s) => (s.wan ? `http://127.0.0.1:${proxy.port}` : `http://127.0.0.1:${plainPort}`);
  const projects = {};
  const projectIds = {};
  SCENARIOS.forEach((s, i) => {
    const pid = `20000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`;
    projectIds[s.name] = pid;
    projects[pid] = data[s.name].map((f) => ({ ...f, url: `${base(s)}${f.path}` }));
  });
  const api = await startFakeApi(projects);
  const results = [];
  try {
    for (const s of SCENARIOS) {
      const out = join(cfg.root, 'out');
      const urls = data[s.name].map((f) => `${base(s)}${f.path}`);
      const bytes = data[s.name].reduce((n, f) => n + f.size, 0);
      const t = tools(s, api.url, projectIds[s.name], urls, out);
      const runs = Object.fromEntries(Object.keys(t).map((k) => [k, []]));
      console.error(
        `\n${s.name}: ${s.files} × ${s.mib} MiB${s.wan ? ` (limit ${cfg.wanRate}/connection, +${cfg.wanLatencyMs} ms per request)` : ''}`,
      );
      for (let round = 0; round < cfg.rounds; round++) {
        for (const [name, [cmd, args, extraEnv]] of Object.entries(t)) {
          rmSync(out, { recursive: true, force: true });
          mkdirSync(out, { recursive: true });
          const r = await timed(cmd, args, extraEnv);
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
            `  round ${round + 1} ${name}: ${r.wall.toFixed(2)} s, ${(bytes / MiB / r.wall).toFixed(0)} MiB/s, RSS ${r.rssMiB.toFixed(0)} MiB, CPU ${r.cpu.toFixed(2)} s`,
          );
        }
      }
      rmSync(out, { recursive: true, force: true });
      const baseline = s.files > 1 ? 'curl, one file at a time' : 'curl';
      const baseWall = median(runs[baseline].map((r) => r.wall));
      for (const [name, rs] of Object.entries(runs)) {
        const wall = median(rs.map((r) => r.wall));
        results.push({
          scenario: s.name,
          tool: name,
          wallSeconds: +wall.toFixed(2),
          mibPerSecond: +(bytes / MiB / wall).toFixed(0),
          speedupVsBaseline: +(baseWall / wall).toFixed(2),
          peakRssMiB: +Math.max(...rs.map((r) => r.rssMiB)).toFixed(0),
          cpuSecondsPerGiB: +(median(rs.map((r) => r.cpu)) / (bytes / (1024 * MiB))).toFixed(2),
        });
      }
      const oursWall = median(runs.ours.map((r) => r.wall));
      const noVerify = median(runs['ours --no-verify'].map((r) => r.wall));
      results.push({
        scenario: s.name,
        tool: 'sha256 cost (ours vs --no-verify)',
        verifyOverheadPercent: +((100 * (oursWall - noVerify)) / noVerify).toFixed(1),
      });
    }
  } finally {
    await api.close();
    await proxy.close();
    nginx.kill('SIGTERM');
  }
  writeFileSync(join(cfg.root, 'results.json'), JSON.stringify({ cfg, results }, null, 2));
  console.log(
    '| scenario | tool | median wall s | MiB/s | × baseline | peak RSS MiB | CPU s/GiB |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const r of results) {
    if ('verifyOverheadPercent' in r) {
      console.log(`| ${r.scenario} | ${r.tool} | | | | | ${r.verifyOverheadPercent} % |`);
    } else {
      console.log(
        `| ${r.scenario} | ${r.tool} | ${r.wallSeconds} | ${r.mibPerSecond} | ${r.speedupVsBaseline} | ${r.peakRssMiB} | ${r.cpuSecondsPerGiB} |`,
      );
    }
  }
}

await main();
