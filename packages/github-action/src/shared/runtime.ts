import * as core from '@actions/core';
import type { GencoveClient } from '@gencove/core';
import type { ActionIo } from './action-io.js';
import { type ActionClient, createActionClient, readConnectionInputs } from './client.js';
import { githubIo } from './github-io.js';
import { Inputs } from './inputs.js';

/**
 * The step ends as failed with this message, after outputs and summary were written (a
 * `wait` that saw failed samples, an upload with files that could not be sent).
 */
export class StepFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepFailure';
  }
}

export interface ActionContext {
  inputs: Inputs;
  io: ActionIo;
  /** Fires when the runner cancels the job (SIGINT, then SIGTERM). */
  signal: AbortSignal;
  /** The API client from the connection inputs; created on first call, closed at the end. */
  client(): GencoveClient;
}

/**
 * Entry point shared by every action bundle. Masks secrets first, turns runner cancellation into
 * an AbortSignal, and turns any error into one `::error::` line and exit code 1.
 */
export async function runAction(body: (context: ActionContext) => Promise<void>): Promise<void> {
  const io = githubIo();
  const inputs = new Inputs((name) => core.getInput(name));
  const controller = new AbortController();
  const cancel = () => controller.abort(new Error('The workflow run was cancelled.'));
  process.once('SIGINT', cancel);
  process.once('SIGTERM', cancel);

  let connection: ActionClient | undefined;
  try {
    const connectionInputs = readConnectionInputs(inputs, io, process.env);
    await body({
      inputs,
      io,
      signal: controller.signal,
      client() {
        connection ??= createActionClient(connectionInputs, io, process.env);
        return connection.client;
      },
    });
  } catch (error) {
    core.setFailed(io.masker.text(describeError(error)));
    if (error instanceof Error && error.stack && !(error instanceof StepFailure)) {
      io.debug(error.stack);
    }
  } finally {
    await connection?.close().catch(() => undefined);
    process.off('SIGINT', cancel);
    process.off('SIGTERM', cancel);
  }
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('ERR_GENCOVE') && code !== 'ERR_GENCOVE_INPUT') {
    return `${error.message} (${code})`;
  }
  return error.message;
}
