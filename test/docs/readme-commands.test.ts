/**
 * Every shell command of README.md and of each package README runs as written, or is quoted from
 * a tested script. Each command is one of:
 *   - a package script (`npm test -w X`, `npm run build -w X`): the script exists and `npm test`
 *     runs it (turbo runs build, typecheck and test of every package);
 *   - quoted: the command is run word for word by `.ci/run` or by the release suite
 *     (test/release/release.test.ts: the fresh clone, the registry, the global installs);
 *   - run here: its whole block runs under bash, in order, against a sandbox on 127.0.0.1, from
 *     a folder holding the files the block names (`./run42`, `runs/2026-11-24/`, a lanes map …).
 *     What is not literal, and why:
 *       · placeholders the README asks the reader to fill in (`<port>`, `<apiKey printed above>`,
 *         `<projects.default>`, `GENCOVE_API_KEY=…`) get the sandbox's values, and the shell
 *         variables the blocks use (`$P`, `$PROJECT`, `$SAMPLE`, `$SANDBOX`) are set;
 *       · lab paths (`/data/…`, `/var/lib/gencove/…`) are rooted in a temporary folder;
 *       · commands on a lab's own bucket (`s3://…`) get `--endpoint-url <the sandbox's S3>
 *         --region us-east-1` appended: the README shows them for AWS, the test's bucket is local.
 * A command that is none of these fails the test: a README cannot gain an untested command.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type Sandbox, startSandbox } from '@gencove/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fastq } from '../helpers/files.js';
import { collect } from '../helpers/shell.js';
import { type CommandBlock, commandBlocks } from './readme-commands.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const READMES = [
  'README.md',
  'packages/core/README.md',
  'packages/cli/README.md',
  'packages/sandbox/README.md',
  'packages/github-action/README.md',
  'packages/n8n-nodes/README.md',
];
const TESTED_SCRIPTS = ['.ci/run', 'test/release/release.test.ts', 'test/docs/changesets.test.ts'];
/** Scripts that `npm test` runs in every package (turbo.json: build, typecheck, test). */
const TURBO_TASKS = ['build', 'typecheck', 'test'];

const blocks: CommandBlock[] = READMES.flatMap((file) =>
  commandBlocks(file, readFileSync(join(root, file), 'utf8')),
);
const key = (block: CommandBlock) => `${block.file}: ${block.commands[0]}`;

/** `npm run <script> -w <package>` / `npm test -w <package>`: a script that `npm test` runs. */
function packageScript(command: string): string | undefined {
  const match = /^npm (?:run )?([\w:-]+) (?:-w|--workspace) (\S+)$/.exec(command);
  if (!match) return undefined;
  const [, script, name] = match as unknown as [string, string, string];
  const workspaces = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
    .workspaces as string[];
  const dir = workspaces.find(
    (d) => JSON.parse(readFileSync(join(root, d, 'package.json'), 'utf8')).name === name,
  );
  if (!dir) return `no workspace package ${name}`;
  const scripts = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')).scripts ?? {};
  if (!scripts[script]) return `${name} has no script ${script}`;
  if (TURBO_TASKS.includes(script)) return 'ok';
  // a script whose command is part of one that npm test runs (n8n's lint is part of its test)
  const inTested = TURBO_TASKS.some((task) => scripts[task]?.includes(scripts[script]));
  return inTested ? 'ok' : `${name}'s ${script} is not run by npm test`;
}

/** The tested script that runs `command` word for word (arguments may follow), if any. */
function quotedIn(command: string): string | undefined {
  for (const file of TESTED_SCRIPTS) {
    const text = readFileSync(join(root, file), 'utf8');
    if (file === '.ci/run') {
      if (text.split('\n').some((line) => line.trim() === command)) return file;
    } else if (
      text.includes(`'${command}'`) ||
      text.includes(`\`${command}\``) ||
      text.includes(`\`${command} `)
    ) {
      return file;
    }
  }
  return undefined;
}

interface Env {
  sandbox: Sandbox;
  lab: string;
  env: NodeJS.ProcessEnv;
}

/** Blocks run here: how to prepare the folder each one runs in. */
const RUN: Record<string, (cwd: string, ctx: Env) => Promise<void>> = {
  'README.md: npx gencove --version': async () => {},
  'README.md: npx gencove-sandbox --json': async () => {},
  'packages/cli/README.md: npm install -g @gencove/cli': async () => {},
  'packages/cli/README.md: gencove upload ./run42 --run-project-id "$P" --output assigned.json':
    async (cwd) => {
      await reads(join(cwd, 'run42'), ['R42-A01', 'R42-A02']);
    },
  'packages/cli/README.md: gencove map-file s3://lab-runs/2026-01/run-7/ --presign --expires-in 7d --output run-7.fastq-map.csv':
    async (_cwd, { sandbox }) => {
      const s3 = labS3(sandbox);
      await s3.send(new CreateBucketCommand({ Bucket: 'lab-runs' })).catch(ignoreExisting);
      for (const read of ['R1', 'R2']) {
        const name = `PLT4-A03_S1_L001_${read}_001.fastq.gz`;
        await s3.send(
          new PutObjectCommand({
            Bucket: 'lab-runs',
            Key: `2026-01/run-7/${name}`,
            Body: fastq(`PLT4-A03-${read}`),
          }),
        );
      }
      s3.destroy();
    },
  'packages/cli/README.md: gencove download s3://lab-results/gencove --project-id "$PROJECT" --file-types impute-vcf,impute-tbi --since /var/lib/gencove/nightly.json --checksums --skip-archived':
    async (_cwd, { sandbox, lab }) => {
      const s3 = labS3(sandbox);
      await s3.send(new CreateBucketCommand({ Bucket: 'lab-results' })).catch(ignoreExisting);
      s3.destroy();
      await mkdir(join(lab, 'var/lib/gencove'), { recursive: true });
    },
  'packages/cli/README.md: gencove upload runs/2026-11-24/ gncv://plate-7 --run-project-id "$P" --metadata \'{"plate": 7}\' --output assigned.json':
    async (cwd) => {
      await reads(join(cwd, 'runs/2026-11-24'), ['PLT7-A01', 'PLT7-A02']);
      // lanes of one sample, listed in a map file: concatenated and streamed as one upload
      const rows = ['client_id,r_notation,path'];
      for (const lane of ['L001', 'L002']) {
        for (const read of ['R1', 'R2']) {
          const path = `lanes/PLT8-B01_S1_${lane}_${read}_001.fastq.gz`;
          await mkdir(join(cwd, 'lanes'), { recursive: true });
          await writeFile(join(cwd, path), fastq(`PLT8-B01-${lane}-${read}`));
          rows.push(`PLT8-B01,${read},${path}`);
        }
      }
      await writeFile(join(cwd, 'lanes.fastq-map.csv'), `${rows.join('\n')}\n`);
    },
  'packages/cli/README.md: gencove doctor --destination /data/deliveries': async (
    _cwd,
    { lab },
  ) => {
    await mkdir(join(lab, 'data/deliveries'), { recursive: true });
  },
  'packages/sandbox/README.md: curl -X POST "$SANDBOX/_sandbox/chaos" -d \'{"seed": 7, "profile": "flaky", "label": "nightly"}\'':
    async () => {},
  'packages/sandbox/README.md: export GENCOVE_HOST=http://127.0.0.1:<api port>': async (cwd) => {
    await reads(join(cwd, 'reads'), ['SB-01']);
  },
};

async function reads(dir: string, ids: string[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const id of ids) {
    for (const read of ['R1', 'R2']) {
      await writeFile(join(dir, `${id}_S1_L001_${read}_001.fastq.gz`), fastq(`${id}-${read}`));
    }
  }
}

const labS3 = (sandbox: Sandbox) =>
  new S3Client({
    endpoint: sandbox.s3Url,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
const ignoreExisting = (error: { name?: string }) => {
  if (!/BucketAlready/.test(error.name ?? '')) throw error;
};

/** The block's commands with the placeholders filled in (see the header of this file). */
function prepare(command: string, { sandbox, lab }: Env, printed?: SandboxJson): string {
  const api = new URL(printed?.url ?? sandbox.url);
  const s3 = new URL(printed?.s3Url ?? sandbox.s3Url);
  let out = command
    .replaceAll('<port>', api.port)
    .replaceAll('<api port>', api.port)
    .replaceAll('<s3 port>', s3.port)
    .replaceAll('<apiKey printed above>', printed?.apiKey ?? sandbox.apiKey)
    .replaceAll('<s3Url printed above>', printed?.s3Url ?? sandbox.s3Url)
    .replaceAll('<projects.default>', sandbox.projects.default)
    .replace(/GENCOVE_API_KEY=…/, `GENCOVE_API_KEY=${sandbox.apiKey}`)
    .replaceAll(' /data/', ` ${lab}/data/`)
    .replaceAll(' /var/lib/gencove/', ` ${lab}/var/lib/gencove/`);
  if (/(^|\s)s3:\/\//.test(out) && !out.includes('|')) {
    out += ` --endpoint-url ${sandbox.s3Url} --region us-east-1`;
  }
  return out;
}

interface SandboxJson {
  url: string;
  s3Url: string;
  apiKey: string;
}

/**
 * One script for the block: the commands in order, each followed by a check of its exit status
 * (unless the next command reads `$?`, as `case $? in …` does).
 */
function script(commands: string[]): string {
  const lines = ['set -o pipefail'];
  commands.forEach((command, i) => {
    lines.push(command);
    if (!commands[i + 1]?.includes('$?')) {
      lines.push(
        `__status=$?; if [ "$__status" -ne 0 ]; then echo "README command failed (exit $__status): ${command.replaceAll("'", '').replaceAll('"', '').replaceAll('`', '').replaceAll('$', '')}" >&2; exit 97; fi`,
      );
    }
  });
  return `${lines.join('\n')}\n`;
}

let ctx: Env;
beforeAll(async () => {
  const sandbox = await startSandbox({ pipeline: 'instant' });
  const lab = await mkdtemp(join(tmpdir(), 'gencove-readme-lab-'));
  const samples = (await (
    await fetch(`${sandbox.url}/api/v2/project-samples/${sandbox.projects.default}?limit=200`, {
      headers: { Authorization: `Api-Key ${sandbox.apiKey}` },
    })
  ).json()) as { results: Array<{ id: string; client_id: string }> };
  const seed = samples.results.find((s) => s.client_id === 'SEED-A01')!;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // a clone's shell after README "Getting gencove on PATH"
    PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH}`,
    GENCOVE_HOST: sandbox.url,
    GENCOVE_API_KEY: sandbox.apiKey,
    GENCOVE_LOCALSTACK_S3_ENDPOINT: sandbox.s3Url,
    P: sandbox.projects.default,
    PROJECT: sandbox.projects.default,
    SAMPLE: seed.id,
    SANDBOX: sandbox.url,
    // the lab's AWS credentials, for its own bucket (the sandbox's S3 accepts this key)
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    XDG_CACHE_HOME: join(lab, 'cache'),
  };
  ctx = { sandbox, lab, env };
});
afterAll(async () => {
  await ctx?.sandbox.close();
  if (ctx) await rm(ctx.lab, { recursive: true, force: true });
});

describe('README commands', () => {
  it('finds the commands of every README', () => {
    expect(blocks.length).toBeGreaterThan(10);
    expect(blocks.flatMap((b) => b.commands)).toContain('npm ci');
  });

  it('every command is run here, quoted from a tested script, or a script npm test runs', () => {
    const unverified: string[] = [];
    for (const block of blocks) {
      for (const command of block.commands) {
        const script = packageScript(command);
        if (script === 'ok') continue;
        if (script) unverified.push(`${block.file}:${block.line} ${command} — ${script}`);
        else if (!quotedIn(command) && !RUN[key(block)])
          unverified.push(`${block.file}:${block.line} ${command}`);
      }
    }
    expect(unverified).toEqual([]);
    // the table names only blocks that exist
    expect(Object.keys(RUN).filter((k) => !blocks.some((b) => key(b) === k))).toEqual([]);
  });

  const runnable = blocks.filter((block) => RUN[key(block)]);
  it.each(runnable.map((block) => [key(block), block] as const))('runs: %s', async (_, block) => {
    const cwd = await mkdtemp(join(ctx.lab, 'readme-'));
    await RUN[key(block)]!(cwd, ctx);
    // installs from npm are the release suite's (from its local registry), not run twice here
    let commands = block.commands.filter((c) => !(c.startsWith('npm install') && quotedIn(c)));
    let printed: SandboxJson | undefined;
    let sandboxBin: ReturnType<typeof spawn> | undefined;
    // README "Pointing a client at the sandbox": the first command starts a sandbox and runs
    // until Ctrl-C; the others use what it printed.
    if (commands[0] === 'npx gencove-sandbox --json') {
      // its own process group, so that the Ctrl-C below reaches npx and the sandbox, as on a
      // terminal (npx does not pass a signal sent to it alone on to the bin it runs)
      sandboxBin = spawn('bash', ['-c', 'exec npx gencove-sandbox --json'], {
        cwd: root,
        env: ctx.env,
        stdio: ['ignore', 'pipe', 'inherit'],
        detached: true,
      });
      printed = await new Promise<SandboxJson>((resolvePrinted, reject) => {
        let out = '';
        sandboxBin!.stdout!.on('data', (chunk) => {
          out += chunk;
          if (out.includes('\n')) resolvePrinted(JSON.parse(out.split('\n')[0]!));
        });
        sandboxBin!.on('exit', (code) => reject(new Error(`gencove-sandbox exited ${code}`)));
      });
      commands = commands.slice(1);
    }
    try {
      const text = script(commands.map((c) => prepare(c, ctx, printed)));
      // README.md's blocks are typed in the clone's root; the packages' in a lab's folder
      const where = block.file === 'README.md' ? root : cwd;
      // a user's shell: no node_modules/.bin on PATH but what the block itself puts there
      const userPath = (process.env.PATH ?? '')
        .split(':')
        .filter((dir) => !dir.includes('node_modules/.bin'))
        .join(':');
      const env =
        block.file === 'README.md'
          ? { ...process.env, PATH: userPath }
          : { ...ctx.env, PATH: `${join(root, 'node_modules/.bin')}:${userPath}` };
      const result = await collect('bash', ['--noprofile', '--norc', '-c', text], {
        cwd: where,
        env,
      });
      expect(
        result.code,
        `${text}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
      ).toBe(0);
    } finally {
      if (sandboxBin?.pid) {
        const exited = new Promise((r) => sandboxBin!.once('exit', r));
        process.kill(-sandboxBin.pid, 'SIGINT');
        await exited;
      }
    }
  });
});
