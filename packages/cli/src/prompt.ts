import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import type { Io } from './io.js';
import { UsageError } from './usage-error.js';

/**
 * Asks a question on stderr (as the official client does), hiding the answer for secrets.
 * Only on a terminal: in CI there is nobody to answer, so a missing value is a usage error.
 */
export async function ask(io: Io, question: string, what: string, hidden = false): Promise<string> {
  if (!io.stdin.isTTY) {
    throw new UsageError(`${what} is required and standard input is not a terminal to ask for it.`);
  }
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, callback) {
      if (!muted) io.stderr.write(chunk);
      callback();
    },
  });
  const rl = createInterface({ input: io.stdin, output, terminal: true });
  try {
    return await new Promise<string>((resolve) => {
      rl.question(question, (answer) => {
        if (hidden) io.stderr.write('\n');
        resolve(answer.trim());
      });
      muted = hidden;
    });
  } finally {
    rl.close();
  }
}
