import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { startFakeApi } from './fake-api.mjs';
const conf = '/tmp/gencove-bench-download/nginx/nginx.conf';
const port = /listen 127\.0\.0\.1:(\d+);/.exec(readFileSync(conf, 'utf8'))[1];
const nginx = spawn('nginx', ['-c', conf, '-p', '/tmp/gencove-bench-download/nginx', '-g', 'daemon off;'], { stdio: 'ignore' });
process.on('exit', () => nginx.kill('SIGTERM'));
await new Promise((r) => setTimeout(r, 500));
const manifest = JSON.parse(readFileSync('/tmp/gencove-bench-download/data/loopback-single/manifest.json', 'utf8'));
const pid = 'a0000000-0000-4000-8000-000000000001';
const api = await startFakeApi({ [pid]: [{ name: 'f000.bam', size: 2048 * 1048576, sha256: manifest['f000.bam'], url: `http://127.0.0.1:${port}/loopback-single/f000.bam` }] });
const { GencoveClient, downloadDeliverables } = await import('../../packages/core/dist/index.js');
const client = new GencoveClient({ host: api.url, apiKey: 'x' });
const variants = {
  'parts+verify': { verify: true },
  'parts': { verify: false },
  'stream+verify': { verify: true, tuning: { rangedThreshold: Number.MAX_SAFE_INTEGER } },
  'stream': { verify: false, tuning: { rangedThreshold: Number.MAX_SAFE_INTEGER } },
};
const results = {};
for (let round = 0; round < Number(process.env.ROUNDS ?? 2); round++) {
  for (const [name, v] of Object.entries(variants)) {
    rmSync('/tmp/gencove-ab-out', { recursive: true, force: true });
    const cpu0 = process.cpuUsage(); const t = performance.now();
    await downloadDeliverables(client, { projectId: pid, destination: '/tmp/gencove-ab-out', fileTypes: ['alignment-bam'], template: '{default_filename}', ...v });
    const wall = (performance.now() - t) / 1000; const cpu = process.cpuUsage(cpu0);
    (results[name] ??= []).push(wall);
    console.log(name, wall.toFixed(2), 's', ((cpu.user + cpu.system) / 1e6).toFixed(2), 'cpu s', (2048 / wall).toFixed(0), 'MiB/s');
  }
}
const curl = () => new Promise((r) => { const t = performance.now(); const c = spawn('curl', ['-s', '-o', '/tmp/gencove-ab-curl', `http://127.0.0.1:${port}/loopback-single/f000.bam`]); c.on('close', () => r((performance.now() - t) / 1000)); });
console.log('curl', (await curl()).toFixed(2));
rmSync('/tmp/gencove-ab-out', { recursive: true, force: true }); rmSync('/tmp/gencove-ab-curl', { force: true });
await client.close(); await api.close();
process.exit(0);
