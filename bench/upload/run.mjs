#!/usr/bin/env node
/**
 * Upload benchmark: `gencove upload` vs `aws s3 cp` / `aws s3 sync` (Debian awscli v2) vs raw
 * curl PUTs, all against the same discarding S3 sink (sink.mjs, its own process), on loopback
 * and under WAN-like shaping (latency + per-connection and link rate caps in the sink).
 * Tools run in turn (A B C A B C …); each run is measured by /usr/bin/time (wall, CPU, peak RSS).
 *
 *   npm run build -w @gencove/core -w @gencove/sandbox -w @gencove/cli
 *   node bench/upload/run.mjs [--reps 2] [--conditions loopback,wan] [--workloads batch,single]
 *                             [--tools ours,aws-cp,aws-sync,curl] [--quick]
 *
 * Writes bench/results/upload-<timestamp>.json and prints a Markdown table.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = join(ROOT, 'packages/cli/dist/bin.js');
const MIB = 1024 * 1024;
const AWS = '/usr/bin/aws';

const { values } = parseArgs({
  options: {
    reps: { type: 'string', default: '2' },
    conditions: { type: 'string', default: 'loopback,wan' },
    workloads: { type: 'string', default: 'batch,single' },
    tools: { type: 'string', default: 'ours,aws-cp,aws-sync,curl' },
    'data-dir': { type: 'string', default: join(tmpdir(), 'gencove-bench-upload') },
    quick: { type: 'boolean', default: false },
    /** Re-print the table of saved result files (comma-separated) instead of running. */
    report: { type: 'string' },
  },
});
const quick = values.quick;
const WORKLOADS = {
  batch: { files: quick ? 8 : 80, fileBytes: (quick ? 8 : 64) * MIB },
  single: { files: 1, fileBytes: (quick ? 64 : 2048) * MIB },
};
const CONDITIONS = {
  loopback: { latencyMs: 0, connMibps: 0, linkMibps: 0 },
  wan: { latencyMs: 40, connMibps: 25, linkMibps: 200 },
};

function list(name) {
  return values[name]
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

async function makeData(dir, { files, fileBytes }) {
  await mkdir(dir, { recursive: true });
  const names = [];
  for (let i = 0; i < files; i++) {
    names.push(
      files === 1
        ? 'BIG_R1.fastq.gz'
        : `S${String(Math.floor(i / 2)).padStart(3, '0')}_R${(i % 2) + 1}.fastq.gz`,
    );
  }
  const block = randomBytes(8 * MIB);
  for (const name of names) {
    const path = join(dir, name);
    if (existsSync(path) && (await stat(path)).size === fileBytes) continue;
    const out = createWriteStream(path);
    for (let written = 0; written < fileBytes; written += block.length) {
      block.writeUInt32LE(written ^ name.length, 0); // not all blocks identical
      const chunk = block.subarray(0, Math.min(block.length, fileBytes - written));
      if (!out.write(Buffer.from(chunk))) await new Promise((r) => out.once('drain', r));
    }
    await new Promise((r, j) => out.end((e) => (e ? j(e) : r())));
  }
  return names;
}

function startSink(condition) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'bench/upload/sink.mjs'),
        '--latency-ms',
        String(condition.latencyMs),
        '--conn-mibps',
        String(condition.connMibps),
        '--link-mibps',
        String(condition.linkMibps),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    child.stdout.once('data', (d) => resolvePromise({ child, url: JSON.parse(String(d)).url }));
    child.once('error', reject);
  });
}

async function sinkBytes(url) {
  const res = await fetch(`${url}/__stats`);
  return (await res.json()).bodyBytes;
}

/** Runs a command under /usr/bin/time; resolves with wall, cpu and peak RSS. */
function measure(cmd, args, env) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('/usr/bin/time', ['-f', 'BENCH %e %U %S %M', cmd, ...args], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.once('error', reject);
    child.once('close', (code) => {
      const m = /BENCH ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(err);
      if (code !== 0 || !m)
        return reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${err.slice(-2000)}`));
      resolvePromise({
        wall: Number(m[1]),
        cpu: Number(m[2]) + Number(m[3]),
        rssMib: Number(m[4]) / 1024,
      });
    });
  });
}

async function main() {
  if (!existsSync(CLI))
    throw new Error(
      'Build first: npm run build -w @gencove/core -w @gencove/sandbox -w @gencove/cli',
    );
  const { startSandbox } = await import(join(ROOT, 'packages/sandbox/dist/index.js'));
  const sandbox = await startSandbox({ pipeline: 'manual' });
  const work = await mkdtemp(join(tmpdir(), 'gencove-bench-'));
  const awsConfig = join(work, 'aws-config');
  await writeFile(awsConfig, '[default]\nregion = us-east-1\ns3 =\n  addressing_style = path\n');
  const awsEnv = {
    PATH: process.env.PATH,
    HOME: work,
    AWS_CONFIG_FILE: awsConfig,
    AWS_SHARED_CREDENTIALS_FILE: join(work, 'none'),
    AWS_ACCESS_KEY_ID: 'BENCH',
    AWS_SECRET_ACCESS_KEY: 'BENCHSECRET',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  };
  const results = [];
  try {
    for (const conditionName of list('conditions')) {
      const condition = CONDITIONS[conditionName];
      const sink = await startSink(condition);
      const oursEnv = {
        PATH: process.env.PATH,
        HOME: work,
        XDG_CACHE_HOME: join(work, 'cache'),
        GENCOVE_HOST: sandbox.url,
        GENCOVE_API_KEY: sandbox.apiKey,
        GENCOVE_LOCALSTACK_S3_ENDPOINT: sink.url,
      };
      try {
        for (const workloadName of list('workloads')) {
          const workload = WORKLOADS[workloadName];
          const dataDir = join(
            values['data-dir'],
            `${workloadName}-${workload.files}x${workload.fileBytes / MIB}M`,
          );
          const names = await makeData(dataDir, workload);
          const bytes = workload.files * workload.fileBytes;
          const tools = {
            ours: () => [
              process.execPath,
              [CLI, 'upload', dataDir, `gncv://bench-${randomUUID()}/`, '--no-progress'],
              oursEnv,
            ],
            'aws-cp': () =>
              workload.files === 1
                ? [
                    AWS,
                    [
                      's3',
                      'cp',
                      join(dataDir, names[0]),
                      `s3://bench/${randomUUID()}/${names[0]}`,
                      '--endpoint-url',
                      sink.url,
                      '--no-progress',
                    ],
                    awsEnv,
                  ]
                : [
                    AWS,
                    [
                      's3',
                      'cp',
                      dataDir,
                      `s3://bench/${randomUUID()}/`,
                      '--recursive',
                      '--endpoint-url',
                      sink.url,
                      '--no-progress',
                    ],
                    awsEnv,
                  ],
            'aws-sync': () => [
              AWS,
              [
                's3',
                'sync',
                dataDir,
                `s3://bench/${randomUUID()}/`,
                '--endpoint-url',
                sink.url,
                '--no-progress',
              ],
              awsEnv,
            ],
            curl: () => {
              const prefix = randomUUID();
              const args = ['-sS', '--fail', '-o', '/dev/null'];
              if (names.length > 1) args.push('--parallel', '--parallel-max', '16');
              for (const name of names)
                args.push('-T', join(dataDir, name), `${sink.url}/bench/${prefix}/${name}`);
              return ['curl', args, { PATH: process.env.PATH }];
            },
          };
          const chosen = list('tools').filter(
            (t) => t in tools && !(t === 'aws-sync' && workload.files === 1),
          );
          for (let rep = 0; rep < Number(values.reps); rep++) {
            for (const tool of chosen) {
              const [cmd, args, env] = tools[tool]();
              const before = await sinkBytes(sink.url);
              const m = await measure(cmd, args, env);
              const received = (await sinkBytes(sink.url)) - before;
              if (received < bytes)
                throw new Error(`${tool}: the sink received ${received} of ${bytes} bytes`);
              const row = {
                condition: conditionName,
                workload: workloadName,
                tool,
                rep,
                bytes,
                ...m,
                mibps: bytes / MIB / m.wall,
                cpuPerGib: m.cpu / (bytes / 1024 ** 3),
              };
              results.push(row);
              console.error(
                `${conditionName}/${workloadName}/${tool} #${rep + 1}: ${m.wall.toFixed(2)} s, ${row.mibps.toFixed(0)} MiB/s, ${row.cpuPerGib.toFixed(2)} CPU s/GiB, ${m.rssMib.toFixed(0)} MiB RSS`,
              );
            }
          }
        }
      } finally {
        sink.child.kill('SIGTERM');
      }
    }
  } finally {
    await sandbox.close();
    await rm(work, { recursive: true, force: true });
  }
  await mkdir(join(ROOT, 'bench/results'), { recursive: true });
  const file = join(
    ROOT,
    'bench/results',
    `upload-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
  );
  await writeFile(
    file,
    JSON.stringify({ conditions: CONDITIONS, workloads: WORKLOADS, results }, null, 2),
  );
  console.log(table(results));
  console.error(`raw results: ${file}`);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function table(results) {
  const lines = [
    '| condition | workload | tool | runs | median wall (s) | MiB/s (at median) | wall ÷ ours | CPU s/GiB (median) | peak RSS (MiB, max) |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  const groups = new Map();
  for (const r of results) {
    const key = `${r.condition}\t${r.workload}\t${r.tool}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  for (const [key, rows] of groups) {
    const [condition, workload, tool] = key.split('\t');
    const ours = groups.get(`${condition}\t${workload}\tours`);
    const wall = median(rows.map((r) => r.wall));
    const ratio = ours ? (wall / median(ours.map((r) => r.wall))).toFixed(2) : '';
    const mibps = rows[0].bytes / MIB / wall;
    lines.push(
      `| ${condition} | ${workload} | ${tool} | ${rows.length} | ${wall.toFixed(2)} | ${mibps.toFixed(0)} | ${ratio} | ${median(rows.map((r) => r.cpuPerGib)).toFixed(2)} | ${Math.max(...rows.map((r) => r.rssMib)).toFixed(0)} |`,
    );
  }
  return lines.join('\n');
}

async function report(files) {
  const { readFile } = await import('node:fs/promises');
  const results = [];
  for (const f of files) results.push(...JSON.parse(await readFile(f, 'utf8')).results);
  console.log(table(results));
}

(values.report ? report(values.report.split(',')) : main()).catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
