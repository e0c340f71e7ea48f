#!/usr/bin/env node
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { CHAOS_PROFILE_NAMES } from './chaos/profiles.js';
import { startSandbox } from './sandbox.js';
import type { ChaosProfileName, PipelineMode, SandboxOptions } from './types.js';

const USAGE = `Usage: gencove-sandbox [options]

Offline emulator of the Gencove API (and its S3) on 127.0.0.1.

Options:
  --host <addr>            loopback address to bind (default 127.0.0.1)
  --port <n>               API port (default: a free port)
  --s3-port <n>            S3 endpoint port (default: a free port)
  --pipeline <mode>        instant | manual | <stepMs> (default 2000)
  --webhook-url <url>      deliver signed webhooks to this loopback URL
  --webhook-secret <s>     webhook signing secret (default "sandbox-webhook-secret")
  --large-project <n>      seed a project with n samples
  --data-dir <dir>         keep S3 data in this directory (default: temp dir, removed on exit)
  --chaos-seed <n>         inject seeded faults (same seed, same faults); see README "Chaos"
  --chaos-profile <name>   ${CHAOS_PROFILE_NAMES.join(' | ')} (default flaky; a random seed is
                           chosen and printed when --chaos-seed is not given)
  --json                   print one JSON line {url,s3Url,apiKey,email,password,projects[,chaos]}
  -h, --help               show this help
`;

function parseIntOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} needs a non-negative integer`);
  return n;
}

function parsePipeline(value: string | undefined): PipelineMode | undefined {
  if (value === undefined) return undefined;
  if (value === 'instant' || value === 'manual') return value;
  const stepMs = Number(value);
  if (!Number.isFinite(stepMs) || stepMs <= 0) {
    throw new Error('--pipeline needs instant, manual or a step in milliseconds');
  }
  return { stepMs };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      's3-port': { type: 'string' },
      pipeline: { type: 'string' },
      'webhook-url': { type: 'string' },
      'webhook-secret': { type: 'string' },
      'large-project': { type: 'string' },
      'data-dir': { type: 'string' },
      'chaos-seed': { type: 'string' },
      'chaos-profile': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const options: SandboxOptions = {
    host: values.host,
    port: parseIntOption('port', values.port),
    s3Port: parseIntOption('s3-port', values['s3-port']),
    pipeline: parsePipeline(values.pipeline),
    largeProjectSamples: parseIntOption('large-project', values['large-project']),
    dataDir: values['data-dir'],
  };
  const chaosSeed = values['chaos-seed'];
  const chaosProfile = values['chaos-profile'];
  if (chaosSeed !== undefined || chaosProfile !== undefined) {
    const seed = chaosSeed === undefined ? randomInt(2 ** 31) : Number(chaosSeed);
    if (!Number.isSafeInteger(seed)) throw new Error('--chaos-seed needs an integer');
    if (chaosProfile !== undefined && !(CHAOS_PROFILE_NAMES as string[]).includes(chaosProfile)) {
      throw new Error(`--chaos-profile must be one of ${CHAOS_PROFILE_NAMES.join(', ')}`);
    }
    options.chaos = { seed, profile: (chaosProfile ?? 'flaky') as ChaosProfileName };
  }
  if (values['webhook-url']) {
    options.webhook = {
      url: values['webhook-url'],
      secret: values['webhook-secret'] ?? 'sandbox-webhook-secret',
    };
  }
  const sb = await startSandbox(options);
  const summary = {
    url: sb.url,
    s3Url: sb.s3Url,
    apiKey: sb.apiKey,
    email: sb.email,
    password: sb.password,
    projects: sb.projects,
    ...(options.chaos
      ? { chaos: { seed: options.chaos.seed, profile: options.chaos.profile } }
      : {}),
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } else {
    const lines = [
      `gencove-sandbox is running (Ctrl-C to stop)`,
      `  API:      ${sb.url}`,
      `  S3:       ${sb.s3Url}`,
      `  API key:  ${sb.apiKey}`,
      `  login:    ${sb.email} / ${sb.password}`,
      `  MFA user: ${sb.mfa.email} / ${sb.mfa.password} (otp ${sb.mfa.otpToken})`,
      ...Object.entries(sb.projects)
        .filter(([, id]) => id)
        .map(([name, id]) => `  project ${name.padEnd(8)} ${id}`),
      `  control:  ${sb.url}/_sandbox/`,
      '',
      `  export GENCOVE_HOST=${sb.url}`,
      `  export GENCOVE_API_KEY=${sb.apiKey}`,
      `  export GENCOVE_LOCALSTACK_S3_ENDPOINT=${sb.s3Url}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    if (!values.json) process.stderr.write(`\n${signal} received, shutting down\n`);
    sb.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`error while closing: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`gencove-sandbox: ${(err as Error).message ?? String(err)}\n`);
  process.exit(1);
});
