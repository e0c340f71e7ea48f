import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Command } from 'commander';
import { jsonArg, uuidArg } from '../args.js';
import { type AuthOptions, withClient } from '../context.js';
import { type Io, writeJson, writeOut } from '../io.js';
import { addAuthOptions, addJsonOption } from '../options.js';
import { addDownloadFileCommand } from './download-file.js';
import { addSamplesListCommand } from './samples-list.js';

export function samplesCommand(io: Io): Command {
  const samples = new Command('samples').description('one sample: details, metadata, files');

  addJsonOption(
    addAuthOptions(
      samples
        .command('get')
        .description(
          'show a sample with its status and deliverable files (download URLs are left out: use `download --download-urls`)',
        )
        .argument('<sample_id>', 'sample UUID'),
    ),
  ).action(async (sampleIdArg: string, options: AuthOptions & { json?: boolean }) => {
    const sampleId = uuidArg('SAMPLE_ID', sampleIdArg);
    await withClient(options, io, async (client) => {
      const sample = await client.getSample(sampleId);
      const files = (sample.files ?? []).map(({ download_url: _url, ...file }) => file);
      const shown = { ...sample, files };
      if (options.json) return writeJson(io, shown);
      writeOut(io, `id\t${sample.id}`);
      writeOut(io, `client_id\t${sample.client_id ?? ''}`);
      writeOut(io, `project\t${sample.project ?? ''}`);
      writeOut(io, `status\t${sample.last_status?.status ?? 'unknown'}`);
      writeOut(io, `archive_status\t${sample.archive_last_status?.status ?? 'unknown'}`);
      for (const f of files) {
        writeOut(io, `file\t${f.file_type}\t${f.id}\t${f.size ?? ''}\t${f.checksum_sha256 ?? ''}`);
      }
    });
  });

  addAuthOptions(
    samples
      .command('get-metadata')
      .description('print the metadata of a sample as JSON')
      .argument('<sample_id>', 'sample UUID')
      .option('--output-filename <path>', 'write to this file instead of stdout ("-")', '-')
      .option('--json', 'one line {"id": SAMPLE_ID, "metadata": …} instead of the pretty value'),
  ).action(
    async (
      sampleIdArg: string,
      options: AuthOptions & { outputFilename: string; json?: boolean },
    ) => {
      const sampleId = uuidArg('SAMPLE_ID', sampleIdArg);
      await withClient(options, io, async (client) => {
        const metadata = await client.getSampleMetadata(sampleId);
        const text = options.json
          ? `${JSON.stringify({ id: sampleId, metadata: metadata ?? null })}\n`
          : `${JSON.stringify(metadata ?? null, null, 4)}\n`;
        if (options.outputFilename === '-') return writeOut(io, text);
        await mkdir(dirname(options.outputFilename), { recursive: true });
        await writeFile(options.outputFilename, text);
      });
    },
  );

  addAuthOptions(
    samples
      .command('set-metadata')
      .description('replace the metadata of a sample (the official --json flag carries the value)')
      .argument('<sample_id>', 'sample UUID')
      .requiredOption('--json <json>', 'the new metadata, any JSON value'),
  ).action(async (sampleIdArg: string, options: AuthOptions & { json: string }) => {
    const sampleId = uuidArg('SAMPLE_ID', sampleIdArg);
    const metadata = jsonArg('--json', options.json);
    await withClient(options, io, async (client) => {
      const result = await client.setSampleMetadata(sampleId, metadata);
      writeJson(io, result);
    });
  });

  addSamplesListCommand(samples, io);
  addDownloadFileCommand(samples, io);
  return samples;
}
