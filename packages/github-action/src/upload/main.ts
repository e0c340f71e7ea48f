import { runAction } from '../shared/runtime.js';
import { readUploadInputs, runUpload } from './run.js';

await runAction(async ({ inputs, io, signal, client }) => {
  const uploadInputs = readUploadInputs(inputs);
  await runUpload(uploadInputs, {
    client,
    io,
    signal,
    cwd: process.env.GITHUB_WORKSPACE || process.cwd(),
    env: process.env,
  });
});
