import { runAction } from '../shared/runtime.js';
import { readImportUrlsInputs, runImportUrls } from './run.js';

await runAction(async ({ inputs, io, signal, client }) => {
  const importInputs = readImportUrlsInputs(inputs);
  await runImportUrls(importInputs, {
    client: client(),
    io,
    signal,
    cwd: process.env.GITHUB_WORKSPACE || process.cwd(),
  });
});
