import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Sandbox, startSandbox } from '@gencove/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ACTIONS, assemble } from '../scripts/release.mjs';
import { samplesByClientId, sandboxInputs } from './helpers.js';
import { runActionBundle } from './runner.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ pipeline: 'instant' });
});
afterAll(() => sandbox?.close());

describe('release assembly (one repository per action)', () => {
  it('produces self-contained repositories whose action runs from its root', async () => {
    const out = await mkdtemp(join(tmpdir(), 'gh-release-'));
    for (const action of ACTIONS) {
      const target = join(out, action);
      await assemble(action, target, { owner: 'gencove', version: 'v1.2.3' });
      const meta = parse(await readFile(join(target, 'action.yml'), 'utf8')) as {
        runs: { main: string };
      };
      expect(meta.runs.main).toBe(`dist/${action}.mjs`);
      const readme = await readFile(join(target, 'README.md'), 'utf8');
      expect(readme).toContain(`uses: gencove/${action}@v1`);
      expect(readme).toContain('## Inputs');
      const dist = await readdir(join(target, 'dist'));
      expect(dist.includes('gencove-cli.mjs')).toBe(action === 'setup');
      expect(dist.filter((f) => f.endsWith('.mjs') && f !== 'gencove-cli.mjs')).toEqual([
        `${action}.mjs`,
      ]);
    }
    // Only the chunks it imports were copied, and that is enough to run.
    const ids = await samplesByClientId(sandbox, sandbox.projects.default);
    const result = await runActionBundle('wait', {
      actionDir: join(out, 'wait'),
      inputs: {
        ...sandboxInputs(sandbox),
        'project-id': sandbox.projects.default,
        'sample-ids': ids.get('SEED-A01')!,
      },
    });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.outputs.outcome).toBe('succeeded');
  });
});
