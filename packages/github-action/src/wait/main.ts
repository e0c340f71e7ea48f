import { runAction } from '../shared/runtime.js';
import { readWaitInputs, runWait } from './run.js';

await runAction(async ({ inputs, io, signal, client }) => {
  const waitInputs = readWaitInputs(inputs);
  await runWait(waitInputs, { client: client(), io, signal });
});
