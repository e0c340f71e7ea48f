/**
 * `gencove doctor`: checks host, TLS, credentials, clock, a download destination and the upload
 * S3 endpoint, and says how to fix what is wrong. Exit 0 when no check fails, 1 otherwise.
 */
import {
  type DoctorCheck,
  type DoctorOptions,
  type DoctorReport,
  type GencoveClient,
  resolveConfig,
  runDoctor,
} from '@gencove/core';
import { Command } from 'commander';
import { type AuthOptions, createClient } from '../context.js';
import { parseDuration } from '../duration.js';
import { ExitCode } from '../exit-codes.js';
import { type Io, writeJson, writeOut } from '../io.js';
import { addAuthOptions } from '../options.js';
import { UsageError } from '../usage-error.js';

interface DoctorCommandOptions extends AuthOptions {
  destination?: string;
  endpointUrl?: string;
  region?: string;
  minFree: string;
  checkS3?: boolean;
  timeout: string;
  json?: boolean;
}

const HELP = `
Checks, in order:
  host         the API origin answers (an unauthenticated GET /api/v2/user/)
  tls          its certificate is trusted and not about to expire (https hosts)
  credentials  GET /api/v2/user/ with your API key or e-mail/password
  clock        the local clock against the server's Date header
  destination  --destination: a folder is writable and has --min-free space (a probe file is
               created and removed); s3://bucket/prefix: HeadBucket with your AWS credentials
  s3-endpoint  where uploads go: GENCOVE_LOCALSTACK_S3_ENDPOINT is contacted when set; AWS S3 is
               only named unless --check-s3 is given

Nothing is changed on the server. Exit codes: 0 no check failed (warnings allowed), 1 some check
failed, 2 bad flags. --json prints {"ok", "host", "checks": [{id, status, summary, fix, details,
durationMs}]} on stdout.`;

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
};

/** `500M`, `10G`, `1.5T`, `0` (binary units, optional `B`/`iB`). */
export function parseSize(name: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(value.trim());
  if (!m) throw new UsageError(`${name} must be a size such as 500M, 10G or 1T; got "${value}".`);
  return Math.round(Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]!);
}

export function doctorCommand(io: Io, setExitCode: (code: number) => void): Command {
  const command = new Command('doctor')
    .description(
      'check that this machine can work with Gencove: host, TLS, credentials, clock, destination, S3',
    )
    .option('--destination <path>', 'a download folder or s3://bucket/prefix to check')
    .option('--endpoint-url <url>', 'S3-compatible endpoint for an s3:// --destination')
    .option('--region <region>', 'AWS region for an s3:// --destination')
    .option('--min-free <size>', 'free space a folder --destination needs', '1G')
    .option('--check-s3', 'also contact AWS S3 when GENCOVE_LOCALSTACK_S3_ENDPOINT is not set')
    .option('--timeout <duration>', 'time limit of each network check', '10s')
    .option('--json', 'print the report as JSON on stdout')
    .addHelpText('after', HELP);
  addAuthOptions(command).action(async (options: DoctorCommandOptions) => {
    const flags = readFlags(options);
    const config = resolveConfig(
      {
        host: options.host,
        email: options.email,
        password: options.password,
        apiKey: options.apiKey,
      },
      io.env,
    );
    const creds = config.credentials;
    let client: GencoveClient | undefined;
    let credentialsProblem: string | undefined;
    let credentialSource: string | undefined;
    if (creds.mode === 'api-key') {
      credentialSource = `API key from ${creds.source === 'flag' ? '--api-key' : 'GENCOVE_API_KEY'}`;
    } else if (creds.email) {
      credentialSource = `e-mail ${creds.email}`;
    }
    if (creds.mode === 'password' && creds.missing.length > 0 && !io.stdin.isTTY) {
      credentialsProblem =
        creds.missing.length === 2
          ? 'no credentials: neither an API key nor an e-mail and password were given'
          : `no ${creds.missing[0]} was given for ${creds.email ?? 'the e-mail login'}`;
    } else {
      client = await createClient(options, io);
    }
    if (options.destination !== undefined && /^s3:\/\//i.test(options.destination)) {
      // The SDK warns on stderr about its future Node requirement; engines (>= 20.18) is ours to state.
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    }
    const doctorOptions: DoctorOptions = {
      host: config.host,
      hostSource:
        config.hostSource === 'flag'
          ? '--host'
          : config.hostSource === 'env'
            ? 'GENCOVE_HOST'
            : 'default',
      ...(client ? { client } : {}),
      ...(credentialsProblem ? { credentialsProblem } : {}),
      ...(credentialSource ? { credentialSource } : {}),
      ...(options.destination !== undefined ? { destination: options.destination } : {}),
      s3Destination: {
        ...(options.endpointUrl ? { endpoint: options.endpointUrl } : {}),
        ...(options.region ? { region: options.region } : {}),
      },
      minFreeBytes: flags.minFreeBytes,
      ...(config.s3Endpoint ? { uploadEndpoint: config.s3Endpoint } : {}),
      checkS3: options.checkS3 === true,
      timeoutMs: flags.timeoutMs,
    };
    let report: DoctorReport;
    try {
      report = await runDoctor(doctorOptions);
    } finally {
      await client?.close();
    }
    if (options.json) writeJson(io, report);
    else render(io, report);
    setExitCode(report.ok ? ExitCode.Ok : ExitCode.Failure);
  });
  return command;
}

function readFlags(options: DoctorCommandOptions): { minFreeBytes: number; timeoutMs: number } {
  const isS3 = options.destination !== undefined && /^s3:\/\//i.test(options.destination);
  if (!isS3 && (options.endpointUrl !== undefined || options.region !== undefined)) {
    throw new UsageError(
      '--endpoint-url and --region apply to an s3://bucket/prefix --destination.',
    );
  }
  if (options.endpointUrl !== undefined && !/^https?:\/\//.test(options.endpointUrl)) {
    throw new UsageError(`--endpoint-url must be an http(s) URL; got "${options.endpointUrl}".`);
  }
  if (options.destination !== undefined && options.destination.trim() === '') {
    throw new UsageError('--destination is empty.');
  }
  const timeoutMs = parseDuration('--timeout', options.timeout);
  if (timeoutMs < 100)
    throw new UsageError(`--timeout must be at least 100ms; got "${options.timeout}".`);
  return { minFreeBytes: parseSize('--min-free', options.minFree), timeoutMs };
}

const LABEL: Record<DoctorCheck['status'], string> = {
  pass: 'PASS',
  warn: 'WARN',
  fail: 'FAIL',
  skip: 'SKIP',
};

function render(io: Io, report: DoctorReport): void {
  writeOut(io, `gencove doctor: ${report.host}`);
  const width = Math.max(...report.checks.map((c) => c.id.length));
  for (const check of report.checks) {
    writeOut(io, `  ${LABEL[check.status]}  ${check.id.padEnd(width)}  ${check.summary}`);
    if (check.fix && (check.status === 'fail' || check.status === 'warn')) {
      writeOut(io, `  ${' '.repeat(4)}  ${' '.repeat(width)}  fix: ${check.fix}`);
    }
  }
  const failed = report.checks.filter((c) => c.status === 'fail').length;
  const warned = report.checks.filter((c) => c.status === 'warn').length;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  writeOut(
    io,
    failed
      ? `${plural(failed, 'check')} failed${warned ? `, ${plural(warned, 'warning')}` : ''}.`
      : `No check failed${warned ? ` (${plural(warned, 'warning')})` : ''}.`,
  );
}
