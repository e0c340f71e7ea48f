import { execFile } from 'node:child_process';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { VERSION } from '@gencove/core';
import { type Sandbox, startSandbox } from '@gencove/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxInputs } from './helpers.js';
import { maskingViolations, runActionBundle } from './runner.js';

const run = promisify(execFile);
let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ pipeline: 'instant' });
});
afterAll(() => sandbox?.close());

describe('setup action (bundle run as the runner runs it)', () => {
  it('puts a working gencove on PATH, caches it by version, and exports the connection', async () => {
    const toolCache = await mkdtemp(join(tmpdir(), 'gh-tool-cache-'));
    const first = await runActionBundle('setup', { toolCache, inputs: sandboxInputs(sandbox) });
    expect(first.stderr).toBe('');
    expect(first.exitCode).toBe(0);
    expect(first.outputs.version).toBe(VERSION);
    expect(first.outputs['cache-hit']).toBe('false');
    expect(first.path).toEqual([first.outputs.path]);
    expect(await readdir(join(toolCache, 'gencove'))).toEqual([VERSION]);
    expect(first.exportedEnv).toEqual({
      GENCOVE_API_KEY: sandbox.apiKey,
      GENCOVE_HOST: sandbox.url,
    });
    expect(maskingViolations(first, sandbox.apiKey, ['GENCOVE_API_KEY'])).toEqual([]);
    expect(first.summary).toContain('<h3>Gencove CLI</h3>');

    // A later `run:` step: PATH and environment as the runner sets them from the files.
    const env = {
      ...first.exportedEnv,
      PATH: `${first.path[0]}:/usr/bin:/bin`,
      HOME: first.runnerTemp,
    };
    const version = await run('gencove', ['--version'], { env });
    expect(version.stdout.trim()).toBe(VERSION);
    const samples = await run('gencove', ['projects', 'list-samples', sandbox.projects.default], {
      env,
    });
    expect(samples.stdout).toContain('SEED-A01');

    const second = await runActionBundle('setup', { toolCache, inputs: {} });
    expect(second.exitCode).toBe(0);
    expect(second.outputs['cache-hit']).toBe('true');
    expect(second.exportedEnv).toEqual({});

    // A cached copy that differs from the bundled CLI (same version, rebuilt) is replaced.
    await writeFile(join(toolCache, 'gencove', VERSION, process.arch, 'gencove-cli.mjs'), 'stale');
    const third = await runActionBundle('setup', { toolCache, inputs: {} });
    expect(third.exitCode).toBe(0);
    expect(third.outputs['cache-hit']).toBe('false');
    const launcher = join(third.outputs.path!, 'gencove');
    expect((await run(launcher, ['--version'])).stdout.trim()).toBe(VERSION);
  });

  it('exports e-mail and password instead of an API key, the password masked', async () => {
    const toolCache = await mkdtemp(join(tmpdir(), 'gh-tool-cache-'));
    const result = await runActionBundle('setup', {
      toolCache,
      inputs: { email: sandbox.email, password: sandbox.password, host: sandbox.url },
    });
    expect(result.exitCode).toBe(0);
    expect(result.exportedEnv).toEqual({
      GENCOVE_EMAIL: sandbox.email,
      GENCOVE_PASSWORD: sandbox.password,
      GENCOVE_HOST: sandbox.url,
    });
    expect(maskingViolations(result, sandbox.password, ['GENCOVE_PASSWORD'])).toEqual([]);
    sandbox.control.clearRequests();
    const env = {
      ...result.exportedEnv,
      PATH: `${result.path[0]}:/usr/bin:/bin`,
      HOME: result.runnerTemp,
    };
    const samples = await run('gencove', ['projects', 'list-samples', sandbox.projects.default], {
      env,
    });
    expect(samples.stdout).toContain('SEED-A01');
    expect(sandbox.control.requests.some((r) => r.path === '/api/v2/jwt-create/')).toBe(true);

    // credentials the CLI would refuse are refused here, before anything is installed
    const both = await runActionBundle('setup', {
      toolCache,
      inputs: { 'api-key': sandbox.apiKey, email: sandbox.email, password: sandbox.password },
    });
    expect(both.exitCode).toBe(1);
    expect(both.errors).toEqual(['Input "api-key": give api-key or email + password, not both.']);
    expect(both.exportedEnv).toEqual({});
    expect(both.path).toEqual([]);
    const half = await runActionBundle('setup', { toolCache, inputs: { email: sandbox.email } });
    expect(half.errors).toEqual(['Input "password": email and password go together.']);
  });
});
