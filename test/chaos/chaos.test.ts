/**
 * The chaos suite: 100 samples (50 uploaded from disk, 50 imported from URLs) go through upload,
 * assignment, wait and delivery to a folder and to an S3 bucket — all through the built CLI —
 * while the sandbox injects seeded faults ('flaky' profile: 5xx, 429 + Retry-After, resets,
 * truncated and corrupted bodies, early-expiring upload credentials and download URLs). The run
 * is made twice with the same seed to show that it is reproducible.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareChaosReports } from '@gencove/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_TEST_SECRET, documentedExitCodes, transcript } from '../helpers/cli.js';
import { listFiles, readTree, sha256, TEMPORARY_FILE } from '../helpers/files.js';
import { findLeaks } from '../helpers/secrets.js';
import { type ChaosRunResult, chaosRun, DELIVERY_BUCKET, RETRYABLE_EXIT } from './run.js';

const SEED = Number(process.env.CHAOS_SEED ?? 20261124);
const PROFILE = 'flaky' as const;
const LOCAL = 50;
const URLS = 50;
const FAIL_QC = 1;

/** Every exit code of `gencove --help` (read from the built bin's help). */
let DOCUMENTED: Set<number>;

let root: string;
let a: ChaosRunResult;
let b: ChaosRunResult;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gencove-chaos-'));
  DOCUMENTED = await documentedExitCodes();
  const options = { seed: SEED, profile: PROFILE, local: LOCAL, urls: URLS, failQc: FAIL_QC };
  a = await chaosRun({ ...options, work: join(root, 'a') });
  b = await chaosRun({ ...options, work: join(root, 'b') });
  for (const [name, run] of [['a', a] as const, ['b', b] as const]) {
    const steps = run.steps.map(
      (s) =>
        `${s.label} ${s.codes.join('/')} ${s.runs.map((r) => (r.ms / 1000).toFixed(1)).join('+')}s`,
    );
    console.info(`chaos run ${name}: ${run.report.faults.length} faults; ${steps.join(', ')}`);
  }
}, 900_000);

afterAll(async () => {
  await a?.sb.close();
  await b?.sb.close();
  await rm(root, { recursive: true, force: true });
});

const api = async (run: ChaosRunResult, path: string) => {
  const res = await fetch(`${run.sb.url}${path}`, {
    headers: { authorization: `Api-Key ${run.sb.apiKey}` },
  });
  return (await res.json()) as { results: Array<Record<string, unknown>> };
};

describe(`chaos (seed ${SEED}, profile ${PROFILE}): ${LOCAL + URLS} samples end to end`, () => {
  it('really was chaotic: every kind of fault of the profile happened', () => {
    const kinds = new Set(a.report.faults.map((f) => `${f.target}:${f.fault.type}`));
    for (const kind of [
      'api:status',
      'api:reset',
      'api:truncate',
      'api:reset-mid-body',
      's3:status',
      's3:reset',
      's3:truncate',
      's3:reset-mid-body',
      's3:corrupt',
      's3:expire-credentials',
      's3:expire-url',
    ]) {
      expect(kinds, kind).toContain(kind);
    }
    expect(a.report.faults.length).toBeGreaterThan(200);
    // every transfer step had its share (wait makes a handful of requests: it may get none)
    const labels = new Set(a.report.faults.map((f) => f.label));
    for (const label of ['upload', 'import', 'download-disk', 'download-s3']) {
      expect(labels, label).toContain(label);
    }
  });

  it('every step ends as documented; a failed attempt says why in one ERROR line', () => {
    for (const run of [a, b]) {
      for (const step of run.steps) {
        const success = step.step === 'wait' ? (FAIL_QC ? 10 : 0) : 0;
        expect(step.codes.at(-1), `${step.label}: ${step.codes}`).toBe(success);
        for (const [i, code] of step.codes.entries()) {
          expect(DOCUMENTED.has(code ?? -1), `${step.label} exit ${code}`).toBe(true);
          if (code === success) continue;
          expect(RETRYABLE_EXIT[step.step] as readonly number[]).toContain(code);
          const stderr = step.runs[i]!.stderr;
          const errors = stderr.split('\n').filter((l) => l.startsWith('ERROR: '));
          const jsonErrors = stderr.split('\n').filter((l) => l.startsWith('{"error":'));
          if (step.json) {
            expect(errors, stderr).toEqual([]);
            expect(jsonErrors, stderr).toHaveLength(1);
            expect(JSON.parse(jsonErrors[0]!).error).toMatchObject({ exitCode: code });
          } else {
            expect(jsonErrors, stderr).toEqual([]);
            expect(errors, stderr).toHaveLength(1);
          }
        }
      }
    }
    expect(DOCUMENTED).toContain(10);
    // wait said which sample failed QC, with the documented code
    const wait = a.steps.find((s) => s.step === 'wait')!;
    expect(wait.runs.at(-1)!.stdout).toMatch(/CHL-001-FAILQC\tfailed qc/);
  });

  it('--json steps print only NDJSON events, retries serialised with their errors', () => {
    const jsonSteps = a.steps.filter((s) => s.json);
    expect(jsonSteps.map((s) => s.label)).toEqual(['upload', 'import', 'download-s3']);
    const events: Array<{ type: string; error?: unknown }> = [];
    for (const step of jsonSteps) {
      const run = step.runs.at(-1)!;
      const lines = run.stdout.split('\n').filter((l) => l !== '');
      const parsed = lines.map((l) => JSON.parse(l) as { type: string; error?: unknown });
      expect(parsed.at(-1)!.type, step.label).toBe('result');
      events.push(
        ...step.runs
          .flatMap((r) => r.stdout.split('\n').filter((l) => l !== ''))
          .map((l) => JSON.parse(l) as { type: string; error?: unknown }),
      );
    }
    // the faults reached the serialised output (so the secrets sweep below really covers it)
    const retries = events.filter((e) => e.type === 'file-retry');
    expect(retries.length).toBeGreaterThan(0);
    expect(
      retries.filter((e) => typeof e.error === 'string' && e.error !== '').length,
    ).toBeGreaterThan(0);
  });

  it('every file registered exactly once: one upload per destination, one sample per client ID', async () => {
    for (const run of [a, b]) {
      const sheet = await api(run, '/api/v2/sample-sheet/?search=gncv://chaos/&limit=1000');
      const destinations = sheet.results.flatMap((e) =>
        Object.values(e.fastq as Record<string, { destination_path: string }>).map(
          (f) => f.destination_path,
        ),
      );
      expect(destinations).toHaveLength(2 * (LOCAL + URLS));
      expect(new Set(destinations).size).toBe(destinations.length);
      expect(sheet.results.every((e) => typeof e.sample === 'string')).toBe(true);
      const samples = await api(run, `/api/v2/project-samples/${run.projectId}?limit=1000`);
      const clientIds = samples.results.map((s) => s.client_id as string);
      expect(clientIds).toHaveLength(LOCAL + URLS);
      expect(new Set(clientIds).size).toBe(LOCAL + URLS);
      // the --output files of both imports list every sample once
      const listed = [
        ...JSON.parse(await readFile(run.outputs[0]!, 'utf8')),
        ...JSON.parse(await readFile(run.outputs[1]!, 'utf8')),
      ].map((s: { client_id: string }) => s.client_id);
      expect(listed.sort()).toEqual([...clientIds].sort());
    }
  });

  it('what reached S3 is byte-identical to the inputs (sha256)', async () => {
    const sheet = await api(a, '/api/v2/sample-sheet/?search=gncv://chaos/&limit=1000');
    const uploadOf = new Map<string, string>();
    for (const e of sheet.results) {
      for (const f of Object.values(
        e.fastq as Record<string, { destination_path: string; upload: string }>,
      )) {
        uploadOf.set(f.destination_path, f.upload);
      }
    }
    for (const input of a.inputs) {
      expect(input.destination, `${input.clientId} ${input.read}`).not.toBe('');
      const upload = a.sb.control.getUpload(uploadOf.get(input.destination)!)!;
      expect(upload.status, input.destination).toBe('succeeded');
      const stored = await a.sb.control.s3Object(upload.bucket, upload.key);
      expect(sha256(stored!), input.destination).toBe(input.sha256);
    }
  });

  it('every delivered file is byte-identical, on disk and in the bucket; nothing temporary is left', async () => {
    const samples = await api(a, `/api/v2/project-samples/${a.projectId}?limit=1000`);
    const succeeded = samples.results.filter(
      (s) => (s.last_status as { status: string }).status === 'succeeded',
    );
    expect(succeeded).toHaveLength(LOCAL + URLS - FAIL_QC);
    const expectedDisk: string[] = [];
    for (const s of succeeded) {
      const snapshot = a.sb.control.getSample(s.id as string)!;
      const base = `${snapshot.client_id}/${snapshot.id}`;
      expectedDisk.push(`${base}/${snapshot.id}_qc.json`, `${base}/${snapshot.id}_metadata.json`);
      for (const file of snapshot.files) {
        const stored = sha256((await a.sb.control.s3Object(file.bucket, file.key))!);
        expect(sha256(await readFile(join(a.diskDir, base, file.filename))), file.filename).toBe(
          stored,
        );
        const delivered = await a.sb.control.s3Object(
          DELIVERY_BUCKET,
          `results/${base}/${file.filename}`,
        );
        expect(delivered, `s3 ${base}/${file.filename}`).toBeDefined();
        expect(sha256(delivered!)).toBe(stored);
        expectedDisk.push(`${base}/${file.filename}`);
      }
    }
    const onDisk = await listFiles(a.diskDir);
    expect(onDisk.filter((f) => TEMPORARY_FILE.test(f))).toEqual([]);
    expect(onDisk).toEqual(expectedDisk.sort());
    expect(a.deliveredKeys).toEqual(expectedDisk.map((f) => `results/${f}`).sort());
    // resume journals of the uploads are gone once the uploads are done
    expect(await listFiles(a.cacheDir)).toEqual([]);
    // nothing temporary anywhere in either run's working folder; the sources are untouched
    for (const run of [a, b]) {
      expect((await listFiles(run.work)).filter((f) => TEMPORARY_FILE.test(f))).toEqual([]);
      const local = run.inputs.filter((i) => i.kind === 'local');
      expect(await listFiles(run.localDir)).toEqual(
        local.map((i) => `${i.clientId}_${i.read}.fastq.gz`).sort(),
      );
      for (const input of local) {
        const body = await readFile(join(run.localDir, `${input.clientId}_${input.read}.fastq.gz`));
        expect(sha256(body)).toBe(input.sha256);
      }
    }
  });

  it('the same seed reproduces the same run: same faults per key, same outcomes', () => {
    const { mismatches, countDifferences } = compareChaosReports(a.report, b.report);
    console.info(
      `replay: ${Object.keys(a.report.counts).length} keys, ${a.report.faults.length} faults; counts differ on ${countDifferences.length} keys: ${countDifferences.map((d) => `${d.key} (${d.a}/${d.b})`).join('; ')}`,
    );
    expect(mismatches).toEqual([]);
    // Only requests whose number follows the clock or the interleaving may differ in count:
    // polling (wait; the sheet scan before assigning) and shared credential refreshes.
    const timing = /^\[wait\] |GET sample-sheet|POST upload-credentials/;
    expect(countDifferences.filter((d) => !timing.test(d.key))).toEqual([]);
    expect(b.steps.map((s) => [s.label, s.codes])).toEqual(a.steps.map((s) => [s.label, s.codes]));
  });

  it('no secret the sandbox issued appears in any output, output file or cache file', async () => {
    const sources = [
      ...transcript.flatMap((run, i) => [
        { where: `run ${i} (${run.args[0]}) stdout`, text: run.stdout },
        { where: `run ${i} (${run.args[0]}) stderr`, text: run.stderr },
      ]),
      ...(await readTree(a.cacheDir, b.cacheDir)).map((f) => ({ where: f.path, text: f.text })),
      ...(await Promise.all(
        [...a.outputs, ...b.outputs].map(async (p) => ({
          where: p,
          text: await readFile(p, 'utf8'),
        })),
      )),
    ];
    expect(transcript.length).toBeGreaterThanOrEqual(10);
    // the sweep looks for every kind of secret: JWTs (import and wait log in with a password),
    // upload session tokens and secret keys, presigned-URL signatures, the API key and password
    const secrets = [...a.secrets, ...b.secrets];
    expect(secrets.filter((s) => s.startsWith('eyJ')).length).toBeGreaterThan(1);
    expect(secrets.filter((s) => s.startsWith('IQoJsandbox')).length).toBeGreaterThan(0);
    expect(secrets.filter((s) => /^[0-9a-f]{64}$/.test(s)).length).toBeGreaterThan(100);
    expect(secrets).toContain(a.sb.apiKey);
    expect(secrets).toContain(a.sb.password);
    // plus the AWS secret key the CLI signed its S3 delivery with
    expect(findLeaks(sources, [...a.secrets, ...b.secrets, AWS_TEST_SECRET])).toEqual([]);
  });
});
