import { runAction } from '../shared/runtime.js';
import { readDownloadInputs, runDownload } from './run.js';

await runAction(async ({ inputs, io, signal, client }) => {
  const cwd = process.env.GITHUB_WORKSPACE || process.cwd();
  const downloadInputs = readDownloadInputs(inputs, cwd);
  await runDownload(downloadInputs, { client: client(), io, signal, cwd });
});
