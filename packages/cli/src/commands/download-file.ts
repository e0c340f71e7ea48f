/**
 * `gencove samples download-file SAMPLE_ID FILE_TYPE DESTINATION` (spec §10): one deliverable,
 * or the sample's `qc` / `metadata` JSON, to a file or to stdout ("-" or /dev/stdout).
 */
import { downloadSampleFile } from '@gencove/core';
import type { Command } from 'commander';
import { uuidArg } from '../args.js';
import { type AuthOptions, withClient } from '../context.js';
import { type Io, info, warn, writeJson } from '../io.js';
import { addAuthOptions } from '../options.js';
import { formatBytes } from '../render/byte-units.js';
import { createTransferRenderer } from '../render/transfer-progress.js';
import { UsageError } from '../usage-error.js';

interface DownloadFileOptions extends AuthOptions {
  checksum?: boolean;
  json?: boolean;
  progress: boolean;
  verify: boolean;
}

/** Adds the sub-command to `gencove samples`. */
export function addDownloadFileCommand(samples: Command, io: Io): void {
  const command = samples
    .command('download-file')
    .description(
      'download one file of a sample (a deliverable key, or qc / metadata) to DESTINATION, verified and resumable; "-" streams it to stdout',
    )
    .argument('<sample_id>', 'sample UUID (not a client id)')
    .argument('<file_type>', 'deliverable key (e.g. impute-vcf), qc or metadata')
    .argument('<destination>', 'file path, or "-" / /dev/stdout')
    .option('--checksum', 'also write <destination>.sha256 from the API (not for stdout)')
    .option('--no-progress', 'do not show progress')
    .option('--no-verify', 'do not compute sha256 (nothing is checked)')
    .option('--json', 'print the outcome (path, bytes, sha256, verified) as JSON on stdout');
  addAuthOptions(command).action(
    async (
      sampleIdArg: string,
      fileType: string,
      destination: string,
      options: DownloadFileOptions,
    ) => {
      const sampleId = uuidArg('SAMPLE_ID', sampleIdArg);
      if (fileType.trim() === '') throw new UsageError('FILE_TYPE is empty.');
      const toStdout = destination === '-' || destination === '/dev/stdout';
      if (toStdout && options.json) {
        throw new UsageError(
          '--json cannot be combined with DESTINATION "-": stdout carries the file.',
        );
      }
      if (toStdout && options.checksum) {
        warn(io, '--checksum is ignored when the file is written to stdout.');
      }
      const renderer = createTransferRenderer(io, {
        mode:
          options.progress === false || options.json ? 'silent' : io.stderr.isTTY ? 'tty' : 'plain',
        label: 'Downloading',
      });
      let done = 0;
      let started = false;
      try {
        const outcome = await withClient(options, io, (client) =>
          downloadSampleFile(client, {
            sampleId,
            fileType,
            destination: toStdout ? io.stdout : destination,
            checksum: options.checksum === true && !toStdout,
            verify: options.verify,
            onEvent: (event) => {
              if (event.type === 'file-start') {
                started = true;
                done = event.resumedBytes;
                renderer.handle({ type: 'start', files: 1, bytes: event.bytes ?? 0 });
                renderer.handle({
                  type: 'file-start',
                  id: 1,
                  name: toStdout ? `${sampleId} ${fileType}` : destination,
                  ...(event.bytes !== null ? { size: event.bytes } : {}),
                  doneBytes: event.resumedBytes,
                });
              } else if (event.type === 'file-progress') {
                renderer.handle({ type: 'bytes', id: 1, bytes: event.doneBytes - done });
                done = event.doneBytes;
              } else if (event.type === 'checksum-mismatch') {
                renderer.handle({ type: 'bytes', id: 1, bytes: -done });
                done = 0;
              } else if (event.type === 'warning') {
                renderer.handle({ type: 'warning', text: event.message });
              } else if (event.type === 'file-done' && started) {
                // (qc / metadata JSON is written without a transfer: nothing to report)
                renderer.handle({ type: 'file-end', id: 1, status: 'done' });
              }
            },
          }),
        );
        renderer.stop();
        if (options.json) {
          writeJson(io, outcome);
        } else if (!toStdout) {
          const checked = outcome.verified ? ', sha256 verified' : '';
          info(io, `Wrote ${destination} (${formatBytes(outcome.bytes)}${checked}).`);
        }
      } finally {
        renderer.stop();
      }
    },
  );
}
