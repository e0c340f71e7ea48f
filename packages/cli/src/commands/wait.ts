import { readFile } from 'node:fs/promises';
import {
  type SampleSelector,
  selectorFromAssignmentOutput,
  type WaitOutcome,
  type WaitResult,
  waitForSamples,
} from '@gencove/core';
import { Command } from 'commander';
import { listArg, uuidArg } from '../args.js';
import { type AuthOptions, withClient } from '../context.js';
import { parseDuration } from '../duration.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { tsv } from '../format.js';
import { type Io, info, warn, writeNdjson, writeOut } from '../io.js';
import { addAuthOptions } from '../options.js';
import {
  LiveWaitTable,
  PlainWaitLog,
  summaryLine,
  type WaitProgress,
} from '../render/wait-table.js';
import { UsageError } from '../usage-error.js';

interface WaitOptions extends AuthOptions {
  projectId: string;
  sampleIds?: string[];
  clientIds?: string[];
  fromOutput?: string;
  timeout: string;
  pollInterval: string;
  maxPollInterval: string;
  json?: boolean;
  progress: boolean;
}

export const WAIT_EXIT_CODES: Record<WaitOutcome, ExitCodeValue> = {
  succeeded: ExitCode.Ok,
  'failed-qc': ExitCode.WaitFailedQc,
  failed: ExitCode.WaitFailed,
  timeout: ExitCode.WaitTimeout,
  unavailable: ExitCode.WaitUnavailable,
};

/** Lowest `--poll-interval` accepted: protects the API from a typo such as `--poll-interval 5ms`. */
const MIN_POLL_INTERVAL_MS = 1000;

const HELP = `
Selects every visible sample of the project, or --sample-ids, --client-ids (per client id the
most recently created sample) or the samples of an upload --output file (--from-output, "-" for
stdin). Polls adaptively (quick at first, slower while nothing changes, quick again after a
change) within a request budget, and survives rate limits, server errors and dropped
connections until --timeout.

Output: live table on a terminal (stderr), plain lines otherwise; on stdout one line per sample
(id, client id, status, archive status, outcome, note). --json: NDJSON events on stdout, the last
line being {"type":"result",...}.

Exit codes:
  0   every sample succeeded
  10  every sample finished, some failed QC
  11  some samples failed (reported even when others are still running at the timeout)
  12  timed out before every sample finished
  13  some samples are archived, hidden, not found or in another project
  (precedence: 11 > 13 > 12 > 10 > 0; errors use the codes of \`gencove --help\`)`;

const collect = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...listArg(value),
];

export function waitCommand(io: Io, setExitCode: (code: number) => void): Command {
  const command = new Command('wait')
    .description('wait until samples finish their analysis; the exit code tells how they ended')
    .requiredOption('--project-id <uuid>', 'project UUID')
    .option('--sample-ids <ids>', 'sample UUIDs, comma-separated (repeatable)', collect)
    .option('--client-ids <ids>', 'client ids, comma-separated (repeatable)', collect)
    .option('--from-output <file>', 'the --output JSON of `upload --run-project-id` ("-" = stdin)')
    .option(
      '--timeout <duration>',
      'give up after this long, e.g. 90m, 6h, 2d; 0 = poll once',
      '24h',
    )
    .option('--poll-interval <duration>', 'quickest poll interval (minimum 1s)', '5s')
    .option('--max-poll-interval <duration>', 'slowest poll interval', '5m')
    .option('--json', 'print NDJSON events and a final result object on stdout')
    .option('--no-progress', 'no progress on stderr')
    .addHelpText('after', HELP);
  addAuthOptions(command).action(async (options: WaitOptions) => {
    const selector = await selectorFrom(io, options);
    const timeoutMs = parseDuration('--timeout', options.timeout);
    const minIntervalMs = parseDuration('--poll-interval', options.pollInterval);
    if (minIntervalMs < MIN_POLL_INTERVAL_MS) {
      throw new UsageError(`--poll-interval must be at least 1s; got "${options.pollInterval}".`);
    }
    const maxIntervalMs = parseDuration('--max-poll-interval', options.maxPollInterval);
    if (maxIntervalMs < minIntervalMs) {
      throw new UsageError('--max-poll-interval must not be shorter than --poll-interval.');
    }
    const progress = progressFor(io, options, selector);
    const unknownWarned = new Set<string>();
    let result: WaitResult;
    try {
      result = await withClient(options, io, (client) =>
        waitForSamples(client, selector, {
          timeoutMs,
          minIntervalMs,
          maxIntervalMs,
          onEvent: (event) => {
            if (options.json) writeNdjson(io, event);
            progress?.event(event);
            if (event.type === 'status' && event.unknownStatus && !options.json) {
              // once per status value: a status nobody documented keeps the wait going
              const status = String(event.status);
              if (!unknownWarned.has(status)) {
                unknownWarned.add(status);
                warn(
                  io,
                  `sample ${event.sampleId}${event.clientId ? ` (${event.clientId})` : ''} has the status "${status}", which this version of gencove does not know; it is treated as still running.`,
                );
              }
            }
          },
        }),
      );
    } finally {
      progress?.stop();
    }
    report(io, result, options.json === true);
    setExitCode(WAIT_EXIT_CODES[result.outcome]);
  });
  return command;
}

function progressFor(
  io: Io,
  options: WaitOptions,
  selector: SampleSelector,
): WaitProgress | undefined {
  if (!options.progress) return undefined;
  // NDJSON on the same terminal would break the in-place redraw.
  const sharedTerminal = options.json === true && io.stdout.isTTY === true;
  if (!io.stderr.isTTY || sharedTerminal) return new PlainWaitLog(io);
  const what = selector.sampleIds
    ? `${selector.sampleIds.length} samples`
    : selector.clientIds
      ? `${selector.clientIds.length} client ids`
      : 'all samples';
  return new LiveWaitTable(io, `Waiting for ${what} of project ${selector.projectId}`);
}

async function selectorFrom(io: Io, options: WaitOptions): Promise<SampleSelector> {
  const projectId = uuidArg('--project-id', options.projectId);
  const given = [options.sampleIds, options.clientIds, options.fromOutput].filter(
    (v) => v !== undefined,
  );
  if (given.length > 1) {
    throw new UsageError('Give at most one of --sample-ids, --client-ids and --from-output.');
  }
  if (options.sampleIds) {
    if (options.sampleIds.length === 0) throw new UsageError('--sample-ids is empty.');
    return { projectId, sampleIds: options.sampleIds.map((id) => uuidArg('--sample-ids', id)) };
  }
  if (options.clientIds) {
    if (options.clientIds.length === 0) throw new UsageError('--client-ids is empty.');
    return { projectId, clientIds: options.clientIds };
  }
  if (options.fromOutput !== undefined) {
    const file = options.fromOutput;
    const shown = file === '-' ? 'stdin' : file;
    let text: string;
    try {
      text = file === '-' ? await readStdin(io) : await readFile(file, 'utf8');
    } catch (error) {
      throw new UsageError(`--from-output: cannot read ${shown}: ${(error as Error).message}`);
    }
    try {
      return selectorFromAssignmentOutput(text, projectId);
    } catch (error) {
      throw new UsageError(`--from-output ${shown}: ${(error as Error).message}`);
    }
  }
  return { projectId };
}

async function readStdin(io: Io): Promise<string> {
  let text = '';
  for await (const chunk of io.stdin) text += String(chunk);
  return text;
}

function report(io: Io, result: WaitResult, json: boolean): void {
  const exitCode = WAIT_EXIT_CODES[result.outcome];
  if (json) {
    const { state: _state, ...rest } = result;
    writeNdjson(io, { type: 'result', ...rest, exitCode });
    return;
  }
  if (result.samples.length === 0) warn(io, 'no samples were selected: the project has none.');
  for (const s of result.samples) {
    writeOut(
      io,
      tsv([
        s.id ?? '',
        s.clientId,
        s.status ?? '',
        s.archiveStatus ?? 'unknown',
        s.outcome,
        s.note,
      ]),
    );
  }
  info(io, summaryLine(result));
}
