import { type Sandbox, startSandbox } from '@gencove/sandbox';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JWT, samplesByClientId, sandboxInputs, withIssuedSecrets } from './helpers.js';
import { maskedValues, maskingViolations, runActionBundle } from './runner.js';

let sandbox: Sandbox;
let ids: Map<string, string>;
const id = (clientId: string) => ids.get(clientId)!;

beforeAll(async () => {
  sandbox = await startSandbox({ pipeline: 'instant' });
  ids = await samplesByClientId(sandbox, sandbox.projects.default);
});
afterAll(() => sandbox?.close());
beforeEach(() => {
  sandbox.control.clearFaults();
  sandbox.control.clearRequests();
});

describe('wait action (bundle run as the runner runs it)', () => {
  it('succeeds for finished samples and reports them in outputs and the summary', async () => {
    const result = await runActionBundle('wait', {
      inputs: {
        ...sandboxInputs(sandbox),
        'project-id': sandbox.projects.default,
        'sample-ids': id('SEED-A01'),
      },
    });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.outputs.outcome).toBe('succeeded');
    expect(result.outputs['succeeded-ids']).toBe(id('SEED-A01'));
    expect(result.outputs['failed-ids']).toBe('');
    expect(JSON.parse(result.outputs.statuses!)).toEqual([
      {
        id: id('SEED-A01'),
        client_id: 'SEED-A01',
        status: 'succeeded',
        archive_status: 'available',
        outcome: 'succeeded',
      },
    ]);
    expect(result.summary).toContain('<h3>Gencove wait: succeeded</h3>');
    expect(result.summary).toContain(`<td>SEED-A01</td><td><code>${id('SEED-A01')}</code></td>`);
    expect(result.errors).toEqual([]);
    expect(maskingViolations(result, sandbox.apiKey)).toEqual([]);
  });

  it('fails the step on failed and archived samples, annotating each, and warns on failed QC', async () => {
    const result = await runActionBundle('wait', {
      inputs: { ...sandboxInputs(sandbox), 'project-id': sandbox.projects.default },
    });
    expect(result.exitCode).toBe(1);
    expect(result.outputs.outcome).toBe('failed');
    expect(result.outputs['failed-ids']).toBe(id('SEED-A03-FAIL'));
    expect(result.outputs['failed-qc-ids']).toBe(id('SEED-A02-FAILQC'));
    expect(result.outputs['succeeded-ids']).toBe(id('SEED-A01'));
    expect(result.errors).toEqual([
      `[title=Gencove: failed] SEED-A03-FAIL (${id('SEED-A03-FAIL')}): failed — Analysis failed (sandbox rule: client_id contains FAIL).`,
      `[title=Gencove: unavailable] SEED-A04 (${id('SEED-A04')}): unavailable — sample is archived`,
      'Wait ended with 1 failed, 1 unavailable sample(s); fail-on is failed, unavailable, timeout.',
    ]);
    expect(result.warnings).toEqual([
      `[title=Gencove: failed-qc (not failing the step)] SEED-A02-FAILQC (${id('SEED-A02-FAILQC')}): failed-qc`,
    ]);
    expect(result.summary).toContain('<h3>Gencove wait: failed</h3>');
    for (const clientId of ['SEED-A01', 'SEED-A02-FAILQC', 'SEED-A03-FAIL', 'SEED-A04']) {
      expect(result.summary).toContain(`<td>${clientId}</td>`);
    }
    expect(maskingViolations(result, sandbox.apiKey)).toEqual([]);
  });

  it('fail-on decides which outcomes fail the step', async () => {
    const base = { ...sandboxInputs(sandbox), 'project-id': sandbox.projects.default };
    const qc = await runActionBundle('wait', {
      inputs: { ...base, 'sample-ids': id('SEED-A02-FAILQC'), 'fail-on': 'failed-qc' },
    });
    expect(qc.exitCode).toBe(1);
    expect(qc.outputs.outcome).toBe('failed-qc');
    const lenient = await runActionBundle('wait', { inputs: { ...base, 'fail-on': 'none' } });
    expect(lenient.exitCode).toBe(0);
    expect(lenient.outputs.outcome).toBe('failed');
    expect(lenient.warnings).toHaveLength(3);
  });

  it('accepts the samples output of an earlier step and client ids', async () => {
    const samples = JSON.stringify([
      {
        client_id: 'SEED-A01',
        fastq: { r1: { upload: id('SEED-A02-FAILQC') } },
        sample: id('SEED-A01'),
      },
    ]);
    const fromOutput = await runActionBundle('wait', {
      inputs: {
        ...sandboxInputs(sandbox),
        'project-id': sandbox.projects.default,
        'sample-ids': samples,
      },
    });
    expect(fromOutput.exitCode).toBe(0);
    expect(fromOutput.outputs['succeeded-ids']).toBe(id('SEED-A01'));
    const byClient = await runActionBundle('wait', {
      inputs: {
        ...sandboxInputs(sandbox),
        'project-id': sandbox.projects.default,
        'client-ids': 'SEED-A01',
      },
    });
    expect(byClient.exitCode).toBe(0);
    expect(byClient.outputs['succeeded-ids']).toBe(id('SEED-A01'));
  });

  it('times out on a sample that is still running', async () => {
    const running = id('SEED-A01');
    await sandbox.control.setSampleStatus(running, 'running');
    try {
      const result = await runActionBundle('wait', {
        inputs: {
          ...sandboxInputs(sandbox),
          'project-id': sandbox.projects.default,
          'sample-ids': running,
          timeout: '2s',
        },
      });
      expect(result.exitCode).toBe(1);
      expect(result.outputs.outcome).toBe('timeout');
      expect(result.errors.at(-1)).toContain('1 unfinished (timeout)');
      expect(result.errors[0]).toContain('still running at the timeout');
    } finally {
      await sandbox.control.setSampleStatus(running, 'succeeded');
    }
  });

  it("a wait whose polls all failed is a timeout (core's outcome), failing per fail-on", async () => {
    sandbox.control.addFault({
      match: { target: 'api', path: /^\/api\/v2\/(project-)?samples/ },
      times: Number.POSITIVE_INFINITY,
      fault: { type: 'status', status: 503 },
    });
    const base = {
      ...sandboxInputs(sandbox),
      'project-id': sandbox.projects.default,
      'sample-ids': id('SEED-A01'),
      timeout: '2s',
    };
    const result = await runActionBundle('wait', { inputs: base });
    expect(result.exitCode).toBe(1);
    expect(result.outputs.outcome).toBe('timeout');
    expect(result.outputs.statuses).toBe('[]');
    expect(result.outputs['succeeded-ids']).toBe('');
    expect(result.errors).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Wait timed out before one poll of project ${sandbox.projects.default} completed \\(last error: .*\\(ERR_GENCOVE_\\w+\\)\\); fail-on is failed, unavailable, timeout\\.$`,
        ),
      ),
    ]);
    expect(result.summary).toContain('<h3>Gencove wait: timeout</h3>');
    const lenient = await runActionBundle('wait', { inputs: { ...base, 'fail-on': 'failed' } });
    expect(lenient.exitCode).toBe(0);
    expect(lenient.outputs.outcome).toBe('timeout');
  });

  it('rejects bad input before any request, naming the input', async () => {
    const result = await runActionBundle('wait', {
      inputs: { ...sandboxInputs(sandbox), 'project-id': 'not-a-uuid' },
    });
    expect(result.exitCode).toBe(1);
    expect(result.errors).toEqual(['Input "project-id": must be a UUID; got "not-a-uuid".']);
    expect(sandbox.control.requests).toEqual([]);
    const both = await runActionBundle('wait', {
      inputs: {
        ...sandboxInputs(sandbox),
        'project-id': sandbox.projects.default,
        'sample-ids': id('SEED-A01'),
        'client-ids': 'X',
      },
    });
    expect(both.errors).toEqual(['Input "client-ids": give sample-ids or client-ids, not both.']);
    const noCredentials = await runActionBundle('wait', {
      inputs: { host: sandbox.url, 'project-id': sandbox.projects.default },
    });
    expect(noCredentials.exitCode).toBe(1);
    expect(noCredentials.errors[0]).toMatch(/^Input "api-key": no credentials/);
    expect(sandbox.control.requests).toEqual([]);
  });

  it('fails clearly for a project of another organization', async () => {
    const result = await runActionBundle('wait', {
      inputs: { ...sandboxInputs(sandbox), 'project-id': sandbox.projects.other, timeout: '5s' },
    });
    expect(result.exitCode).toBe(1);
    expect(result.errors.at(-1)).toMatch(/ERR_GENCOVE_(NOT_FOUND|VALIDATION|FORBIDDEN)/);
  });

  it('with e-mail and password, masks the password and every JWT before use', async () => {
    const { result, issued } = await withIssuedSecrets(sandbox, () =>
      runActionBundle('wait', {
        inputs: {
          host: sandbox.url,
          email: sandbox.email,
          password: sandbox.password,
          'project-id': sandbox.projects.default,
          'sample-ids': id('SEED-A01'),
        },
      }),
    );
    expect(result.exitCode).toBe(0);
    expect(maskingViolations(result, sandbox.password)).toEqual([]);
    const jwts = maskedValues(result).filter((value) => JWT.test(value));
    expect(jwts.length).toBeGreaterThanOrEqual(1);
    for (const jwt of jwts) expect(maskingViolations(result, jwt)).toEqual([]);
    // the access and refresh tokens of the login, as the sandbox issued them
    expect(issued.filter((secret) => JWT.test(secret))).toHaveLength(2);
    for (const secret of issued) expect(maskingViolations(result, secret)).toEqual([]);
  });
});
