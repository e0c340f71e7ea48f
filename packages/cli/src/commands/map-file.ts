import { chmod, writeFile } from 'node:fs/promises';
import { buildS3MapFile, MAX_PRESIGN_SECONDS, parseS3Uri } from '@gencove/core';
import { Command } from 'commander';
import { parseDuration } from '../duration.js';
import { type Io, info, warn, writeJson } from '../io.js';
import { UsageError } from '../usage-error.js';

interface MapFileOptions {
  presign?: boolean;
  expiresIn?: string;
  endpointUrl?: string;
  region?: string;
  output: string;
  json?: boolean;
}

const HELP = `
Lists the FASTQs under an S3 prefix in YOUR bucket (AWS credentials from the AWS SDK's usual
chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, SSO, instance role), pairs R1/R2 from
Illumina-style names (client ID before the first "_", an _R1/_R2 token) and writes a map file for
\`gencove upload X.fastq-map.csv\`. Gencove fetches the URLs only when the samples run: presign
with a long expiry (at most 7d) and with long-lived credentials — URLs signed with temporary
credentials (SSO, assumed roles) stop working when that session ends.

The map file holds presigned URLs: anyone with it can read those objects until they expire. It
is written with permissions 0600.

Example:
  gencove map-file s3://lab-runs/2026-01/run-7/ --presign --expires-in 7d --output run-7.fastq-map.csv
  gencove upload run-7.fastq-map.csv --run-project-id <project>`;

export function mapFileCommand(io: Io): Command {
  return new Command('map-file')
    .description(
      'write a URL map file (client_id,r_notation,path) for the FASTQs under an S3 prefix',
    )
    .argument('<s3_uri>', 's3://bucket/prefix')
    .option('--presign', 'presign GET URLs (otherwise the objects must be public)')
    .option('--expires-in <duration>', 'lifetime of presigned URLs, at most 7d (default 7d)')
    .option('--endpoint-url <url>', 'S3-compatible endpoint (MinIO, Ceph…); path-style addressing')
    .option(
      '--region <region>',
      'bucket region (default: AWS configuration, else the bucket’s own)',
    )
    .option('--output <file>', 'where to write the map file; - for stdout', '-')
    .option(
      '--json',
      'print a JSON summary on stdout (URLs without their signatures); needs --output FILE',
    )
    .addHelpText('after', HELP)
    .action(async (source: string, options: MapFileOptions) => {
      await runMapFile(io, source, options);
    });
}

async function runMapFile(io: Io, source: string, options: MapFileOptions): Promise<void> {
  try {
    parseS3Uri(source);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const json = options.json === true;
  if (json && options.output === '-') {
    throw new UsageError(
      '--json needs --output FILE: without it the map file itself is written to stdout.',
    );
  }
  let expiresInSeconds: number | undefined;
  if (options.expiresIn !== undefined) {
    if (!options.presign) throw new UsageError('--expires-in only applies with --presign.');
    expiresInSeconds = Math.round(parseDuration('--expires-in', options.expiresIn) / 1000);
    if (expiresInSeconds < 1 || expiresInSeconds > MAX_PRESIGN_SECONDS) {
      throw new UsageError(
        `--expires-in must be between 1s and 7d (S3's limit); got "${options.expiresIn}".`,
      );
    }
  }
  // shown before the summary line (about the listing), then after it (about the URLs)
  const notes: string[] = [];
  const cautions: string[] = [];
  if (options.output !== '-' && !options.output.endsWith('.fastq-map.csv')) {
    notes.push(
      `${options.output} does not end in .fastq-map.csv, which \`gencove upload\` requires.`,
    );
  }

  const built = await buildS3MapFile({
    source,
    presign: options.presign === true,
    ...(expiresInSeconds !== undefined ? { expiresInSeconds } : {}),
    ...(options.endpointUrl ? { endpointUrl: options.endpointUrl } : {}),
    ...(options.region ? { region: options.region } : {}),
  });

  if (options.output === '-') io.stdout.write(built.text);
  else {
    await writeFile(options.output, built.text, { mode: 0o600 });
    await chmod(options.output, 0o600); // also when the file already existed
  }

  for (const s of built.skipped) notes.push(`skipped ${s.key}: ${s.reason}`);
  if (!options.presign) {
    cautions.push(
      'the URLs are not signed: Gencove can fetch them only if the objects are publicly readable. Use --presign for a private bucket.',
    );
  }
  if (built.credentialsExpireAt && built.expiresAt && built.credentialsExpireAt < built.expiresAt) {
    cautions.push(
      `the URLs were signed with temporary credentials that expire at ${built.credentialsExpireAt}; they stop working then, before their own expiry. Presign with long-lived credentials for imports.`,
    );
  }
  const samples = new Set(built.rows.map((r) => r.clientId)).size;
  if (json) {
    writeJson(io, {
      output: options.output,
      presigned: options.presign === true,
      listed: built.listed,
      samples,
      // the map file holds the presigned URLs; the summary names the objects only
      rows: built.rows.map((r) => ({
        clientId: r.clientId,
        read: r.read,
        url: r.path.split('?')[0],
      })),
      skipped: built.skipped,
      ...(built.expiresAt ? { expiresAt: built.expiresAt } : {}),
      ...(built.credentialsExpireAt ? { credentialsExpireAt: built.credentialsExpireAt } : {}),
      warnings: [...notes, ...cautions],
    });
    return;
  }
  const where = options.output === '-' ? 'stdout' : options.output;
  const expiry = built.expiresAt ? `; the URLs expire at ${built.expiresAt}` : '';
  for (const note of notes) warn(io, note);
  info(
    io,
    `Wrote ${built.rows.length} reads of ${samples} samples (${built.listed} objects listed) to ${where}${expiry}.`,
  );
  for (const caution of cautions) warn(io, caution);
}
