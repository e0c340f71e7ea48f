import { verifyWebhookSignature } from '@gencove/core';
import { Command } from 'commander';
import { ExitCode } from '../exit-codes.js';
import { type Io, info, writeJson } from '../io.js';

export function webhooksCommand(io: Io, setExitCode: (code: number) => void): Command {
  const webhooks = new Command('webhooks').description('Gencove webhooks');
  webhooks
    .command('verify')
    .description('check a Gencove-Signature header against a payload (exit 0 valid, 1 invalid)')
    .argument('<secret>', 'the webhook secret')
    .argument('<header>', 'the Gencove-Signature header value, e.g. t=…,v1=…')
    .argument('<payload>', 'the raw request body, exactly as received')
    .option('--tolerance <seconds>', 'also reject signatures older than this many seconds')
    .option('--json', 'print {"valid": true|false, "reason"?} on stdout')
    .action(
      (
        secret: string,
        header: string,
        payload: string,
        options: { tolerance?: string; json?: boolean },
      ) => {
        const toleranceSeconds =
          options.tolerance === undefined ? undefined : Number(options.tolerance);
        try {
          verifyWebhookSignature({ secret, header, body: payload, toleranceSeconds });
          if (options.json) writeJson(io, { valid: true });
          else info(io, 'Webhook signature is valid.');
        } catch (error) {
          const reason = (error as Error).message;
          if (options.json) writeJson(io, { valid: false, reason });
          info(io, `ERROR: Webhook signature is not valid: ${reason}`);
          setExitCode(ExitCode.Failure);
        }
      },
    );
  return webhooks;
}
