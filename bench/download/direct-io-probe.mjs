#!/usr/bin/env node
/**
 * Probe behind one question of the download benchmark: on this machine, is the page cache (not
 * the network or the hash) what keeps a verified single-file download behind curl, and would
 * O_DIRECT writes from aligned buffers change that? Not a benchmark of `gencove download`:
 * each mode is a small pipeline of its own, run in a child process, interleaved with curl.
 *
 *   receive   undici GET, bytes dropped (the floor of Node's receive path)
 *   buffered  receive → copy into 4 MiB blocks of one shared WebAssembly.Memory (page-aligned)
 *             → positional write through the page cache; sha256 of each block on a worker thread
 *   direct    the same, the file opened with O_DIRECT (Linux): the blocks go to the disk as they are
 *   curl      curl -o FILE
 * Every mode that writes ends with fdatasync, except curl (as in the benchmark's baseline).
 *
 *   PROBE_URL=http://127.0.0.1:PORT/big.bin [PROBE_ROUNDS=3] [PROBE_OUT=/tmp/gencove-direct-probe]
 *     node bench/download/direct-io-probe.mjs
 */
import { spawnSync } from 'node:child_process';
import { constants, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Agent, request } from 'undici';

const BLOCK = 4 * 1024 * 1024;
const BLOCKS = 8;
const url = process.env.PROBE_URL;
const out = process.env.PROBE_OUT ?? '/tmp/gencove-direct-probe';

/** CPU seconds of this process's main thread, from /proc (the other threads are the rest). */
function mainThreadCpu() {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / 100, sys: Number(fields[12]) / 100 };
}

function blockHasher(memory) {
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const hash = require('node:crypto').createHash('sha256');
     parentPort.on('message', (m) => {
       if (m.length === undefined) return parentPort.postMessage(hash.digest('hex'));
       hash.update(new Uint8Array(workerData, m.offset, m.length));
       parentPort.postMessage(null);
     });`,
    { eval: true, workerData: memory.buffer },
  );
  const replies = [];
  worker.on('message', (value) => replies.shift()(value));
  const ask = (message) =>
    new Promise((resolve) => {
      replies.push(resolve);
      worker.postMessage(message);
    });
  return {
    add: (offset, length) => ask({ offset, length }),
    digest: () => ask({}).finally(() => worker.terminate()),
  };
}

async function runMode(mode) {
  const agent = new Agent();
  const { body } = await request(url, { dispatcher: agent });
  let bytes = 0;
  let digest = '';
  if (mode === 'receive') {
    for await (const chunk of body) bytes += chunk.length;
  } else {
    const pages = (BLOCK * BLOCKS) / 65536;
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    const hasher = blockHasher(memory);
    const path = join(out, 'probe.bin');
    rmSync(path, { force: true });
    const direct = mode === 'direct' ? constants.O_DIRECT : 0;
    const file = await open(path, constants.O_RDWR | constants.O_CREAT | direct, 0o644);
    const free = Array.from({ length: BLOCKS }, (_, i) => i);
    const waiting = [];
    const take = () => free.pop() ?? new Promise((resolve) => waiting.push(resolve));
    const give = (i) => (waiting.length ? waiting.shift()(i) : free.push(i));
    let writes = Promise.resolve();
    const submit = (i, length, position) => {
      const view = Buffer.from(memory.buffer, i * BLOCK, length);
      writes = writes.then(() => file.write(view, 0, length, position)).then(() => {});
      Promise.all([writes, hasher.add(i * BLOCK, length)]).then(() => give(i));
    };
    let block = await take();
    let fill = 0;
    for await (const chunk of body) {
      for (let at = 0; at < chunk.length; ) {
        const target = Buffer.from(memory.buffer, block * BLOCK, BLOCK);
        const n = chunk.copy(target, fill, at, Math.min(chunk.length, at + BLOCK - fill));
        fill += n;
        at += n;
        if (fill === BLOCK) {
          submit(block, BLOCK, bytes);
          bytes += BLOCK;
          fill = 0;
          block = await take();
        }
      }
    }
    // O_DIRECT needs whole 512-byte sectors; the probe's file is a whole number of blocks.
    if (fill > 0) submit(block, fill, bytes);
    bytes += fill;
    await writes;
    await file.datasync();
    await file.close();
    digest = await hasher.digest();
  }
  await agent.close();
  const main = mainThreadCpu();
  return { mainUser: main.user, mainSys: main.sys, bytes, sha256: digest.slice(0, 12) };
}

/** Whole-process figures from /usr/bin/time (start-up included), plus what the child printed. */
function timedRun(command, args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %R', command, ...args], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${r.stderr}`);
  const [wall, user, sys, minorFaults] = r.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  const child = r.stdout.trim() ? JSON.parse(r.stdout) : {};
  return { ...child, wall, user, sys, minorFaults };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main() {
  if (process.argv[2]) {
    console.log(JSON.stringify(await runMode(process.argv[2])));
    return;
  }
  if (!url) throw new Error('PROBE_URL is not set (a large file served by nginx on 127.0.0.1)');
  mkdirSync(out, { recursive: true });
  const modes = ['receive', 'buffered', 'direct', 'curl'];
  const rounds = Number(process.env.PROBE_ROUNDS ?? 3);
  const results = Object.fromEntries(modes.map((m) => [m, []]));
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < modes.length; k++) {
      const mode = modes[(k + round) % modes.length];
      for (const name of readdirSync(out)) rmSync(join(out, name), { force: true });
      spawnSync('sync');
      const r =
        mode === 'curl'
          ? timedRun('curl', ['-sS', '-o', join(out, 'probe.bin'), url])
          : timedRun(process.execPath, [process.argv[1], mode]);
      results[mode].push(r);
      console.log(`round ${round + 1} ${mode}: ${JSON.stringify(r)}`);
    }
  }
  rmSync(out, { recursive: true, force: true });
  console.log(
    '\n| mode | median wall s | user s | sys s | main thread user/sys s | minor faults |',
  );
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const mode of modes) {
    const rs = results[mode];
    const m = (key) => median(rs.map((r) => r[key]));
    const main = mode === 'curl' ? '–' : `${m('mainUser').toFixed(2)} / ${m('mainSys').toFixed(2)}`;
    console.log(
      `| ${mode} | ${m('wall').toFixed(2)} | ${m('user').toFixed(2)} | ${m('sys').toFixed(2)} | ${main} | ${m('minorFaults')} |`,
    );
  }
}

await main();
