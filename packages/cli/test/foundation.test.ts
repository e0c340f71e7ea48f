import { type Sandbox, startSandbox } from '@gencove/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, sandboxEnv } from './helpers/run-cli.js';

const SPEC_SECRET = 'whsec-demo-7f3a';
const SPEC_BODY = '[{"event_id": "a"}]';
const SPEC_HEADER =
  't=1767225600,v1=3c1fe524bc3f15ff08bc7b6975d6cc65dd85938d9b6442d8224a94ac9a5f18c3f77bd3b0ba31737defcbda04546355fa81c476320332accdf780ee0fedf7738c';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ pipeline: 'manual', largeProjectSamples: 230 });
});

afterAll(async () => {
  await sandbox?.close();
});

function apiRequestCount(): number {
  return sandbox.control.requests.length;
}

describe('gencove (foundation commands)', () => {
  it('prints help with the exit codes and exits 0', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Exit codes:');
    expect(result.stdout).toContain('projects');
  });

  it('rejects an unknown command or flag with exit 2 before any request', async () => {
    const before = apiRequestCount();
    const unknownCommand = await runCli(['projcts', 'list'], { env: sandboxEnv(sandbox) });
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toMatch(/unknown command 'projcts'/);
    const unknownFlag = await runCli(['projects', 'list', '--colour'], {
      env: sandboxEnv(sandbox),
    });
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toContain('--colour');
    expect(apiRequestCount()).toBe(before);
  });

  it('lists projects as tab-separated lines and as JSON', async () => {
    const plain = await runCli(['projects', 'list'], { env: sandboxEnv(sandbox) });
    expect(plain.code).toBe(0);
    const ids = plain.stdout
      .trim()
      .split('\n')
      .map((line) => line.split('\t')[1]);
    expect(ids).toContain(sandbox.projects.default);
    expect(ids).not.toContain(sandbox.projects.other);

    const json = await runCli(['projects', 'list', '--json'], { env: sandboxEnv(sandbox) });
    expect(json.code).toBe(0);
    const projects = JSON.parse(json.stdout) as Array<{ id: string }>;
    expect(projects.map((p) => p.id)).toContain(sandbox.projects.default);
  });

  it('lists every sample of a project across pages, with filters', async () => {
    const large = sandbox.projects.large!;
    const all = await runCli(['projects', 'list-samples', large, '--include-run', '--hidden'], {
      env: sandboxEnv(sandbox),
    });
    expect(all.code).toBe(0);
    const lines = all.stdout.trim().split('\n');
    expect(lines).toHaveLength(230);
    for (const line of lines) {
      const columns = line.split('\t');
      expect(columns).toHaveLength(6);
      expect(columns[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$/);
    }
    const pages = sandbox.control.requests.filter(
      (r) => r.path.includes(`/project-samples/${large}`) && r.method === 'GET',
    );
    expect(pages.length).toBeGreaterThanOrEqual(2);

    const visible = await runCli(['projects', 'list-samples', large], { env: sandboxEnv(sandbox) });
    expect(visible.code).toBe(0);
    const visibleCount = visible.stdout.trim().split('\n').length;
    expect(visibleCount).toBeGreaterThan(0);
    expect(visibleCount).toBeLessThan(230);

    const succeeded = await runCli(
      ['projects', 'list-samples', large, '--status', 'succeeded', '--json'],
      { env: sandboxEnv(sandbox) },
    );
    expect(succeeded.code).toBe(0);
    const samples = JSON.parse(succeeded.stdout) as Array<{ last_status: { status: string } }>;
    expect(samples.length).toBeGreaterThan(0);
    expect(samples.length).toBeLessThan(230);
    expect(new Set(samples.map((s) => s.last_status.status))).toEqual(new Set(['succeeded']));
  });

  it('validates arguments before sending anything (exit 2, names the input)', async () => {
    const before = apiRequestCount();
    const badId = await runCli(['projects', 'list-samples', 'not-a-uuid'], {
      env: sandboxEnv(sandbox),
    });
    expect(badId.code).toBe(2);
    expect(badId.stderr).toContain('PROJECT_ID must be a UUID');
    const badStatus = await runCli(
      ['projects', 'list-samples', sandbox.projects.default, '--status', 'done'],
      { env: sandboxEnv(sandbox) },
    );
    expect(badStatus.code).toBe(2);
    expect(badStatus.stderr).toContain('--status must be one of');
    const badJson = await runCli(
      ['samples', 'set-metadata', sandbox.projects.default, '--json', '{nope'],
      { env: sandboxEnv(sandbox) },
    );
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toContain('--json is not valid JSON');
    expect(apiRequestCount()).toBe(before);
  });

  it('reports an unknown project with exit 4', async () => {
    const result = await runCli(['projects', 'list-samples', sandbox.projects.other], {
      env: sandboxEnv(sandbox),
    });
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/^ERROR: .*[Nn]ot found/m);
  });

  it('fails with exit 3 on a bad API key and never prints the key', async () => {
    const key = 'bad-key-DISTINCTIVE-7731';
    const result = await runCli(['projects', 'list'], {
      env: sandboxEnv(sandbox, { GENCOVE_API_KEY: key }),
    });
    expect(result.code).toBe(3);
    expect(result.stdout + result.stderr).not.toContain(key);
  });

  it('logs in with e-mail and password from the environment', async () => {
    const env = sandboxEnv(sandbox, {
      GENCOVE_API_KEY: '',
      GENCOVE_EMAIL: sandbox.email,
      GENCOVE_PASSWORD: sandbox.password,
    });
    const result = await runCli(['projects', 'list', '--json'], { env });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).length).toBeGreaterThan(0);
  });

  it('GENCOVE_LOG=DEBUG prints timestamped request lines on stderr, with credentials masked', async () => {
    const env = sandboxEnv(sandbox, {
      GENCOVE_API_KEY: '',
      GENCOVE_EMAIL: sandbox.email,
      GENCOVE_PASSWORD: sandbox.password,
      GENCOVE_LOG: 'debug',
    });
    const result = await runCli(['projects', 'list', '--json'], { env });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).length).toBeGreaterThan(0); // stdout stays data only
    const lines = result.stderr.trim().split('\n');
    expect(lines.every((l) => /^DEBUG \d{4}-\d\d-\d\dT[\d:.]+Z [a-z-]+ \{/.test(l))).toBe(true);
    expect(result.stderr).toMatch(/ request \{.*"method":"POST".*jwt-create/);
    expect(result.stderr).toMatch(/ response \{.*"status":200/);
    expect(result.stderr).toMatch(/ request \{.*"method":"GET".*\/api\/v2\/projects\//);
    expect(result.stderr).not.toContain(sandbox.password);
    const quiet = await runCli(['projects', 'list', '--json'], {
      env: { ...env, GENCOVE_LOG: '' },
    });
    expect(quiet.stderr).toBe('');
  });

  it('fails with exit 3 on a wrong password and never prints it', async () => {
    const password = 'wrong-PASSWORD-9123';
    const env = sandboxEnv(sandbox, {
      GENCOVE_API_KEY: '',
      GENCOVE_EMAIL: sandbox.email,
      GENCOVE_PASSWORD: password,
    });
    const result = await runCli(['projects', 'list', '--json'], { env });
    expect(result.code).toBe(3);
    expect(result.stdout + result.stderr).not.toContain(password);
    const error = JSON.parse(result.stderr.trim().split('\n').at(-1)!) as {
      error: { code: string; exitCode: number };
    };
    expect(error.error.code).toBe('ERR_GENCOVE_AUTH');
    expect(error.error.exitCode).toBe(3);
  });

  it('does not hang asking for a one-time password without a terminal', async () => {
    const env = sandboxEnv(sandbox, {
      GENCOVE_API_KEY: '',
      GENCOVE_EMAIL: sandbox.mfa.email,
      GENCOVE_PASSWORD: sandbox.mfa.password,
    });
    const result = await runCli(['projects', 'list'], { env });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/one-time password/i);
  });

  it('rejects both an API key and an e-mail with exit 2', async () => {
    const result = await runCli(['projects', 'list', '--email', 'a@example.org'], {
      env: sandboxEnv(sandbox, { GENCOVE_API_KEY: '' }),
      input: '',
    });
    const both = await runCli(
      ['projects', 'list', '--email', 'a@example.org', '--api-key', sandbox.apiKey],
      { env: sandboxEnv(sandbox) },
    );
    expect(both.code).toBe(2);
    expect(both.stdout + both.stderr).not.toContain(sandbox.apiKey);
    // e-mail without a password and no terminal: a usage error, not a hanging prompt
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('GENCOVE_PASSWORD');
  });

  it('shows a sample without its presigned download URLs', async () => {
    const list = await runCli(
      ['projects', 'list-samples', sandbox.projects.large!, '--status', 'succeeded', '--json'],
      { env: sandboxEnv(sandbox) },
    );
    const [first] = JSON.parse(list.stdout) as Array<{ id: string }>;
    const result = await runCli(['samples', 'get', first!.id, '--json'], {
      env: sandboxEnv(sandbox),
    });
    expect(result.code).toBe(0);
    const sample = JSON.parse(result.stdout) as {
      id: string;
      files: Array<Record<string, unknown>>;
    };
    expect(sample.id).toBe(first!.id);
    expect(result.stdout).not.toContain('X-Amz-Signature');
    for (const file of sample.files) expect(file).not.toHaveProperty('download_url');
  });

  it('sets and gets sample metadata', async () => {
    const list = await runCli(['projects', 'list-samples', sandbox.projects.large!, '--json'], {
      env: sandboxEnv(sandbox),
    });
    const [first] = JSON.parse(list.stdout) as Array<{ id: string }>;
    const set = await runCli(
      ['samples', 'set-metadata', first!.id, '--json', '{"plate": 7, "lab": "north"}'],
      { env: sandboxEnv(sandbox) },
    );
    expect(set.code).toBe(0);
    const get = await runCli(['samples', 'get-metadata', first!.id], { env: sandboxEnv(sandbox) });
    expect(get.code).toBe(0);
    expect(JSON.parse(get.stdout)).toEqual({ plate: 7, lab: 'north' });
    expect(get.stdout).toContain('    "plate": 7');
    const json = await runCli(['samples', 'get-metadata', first!.id, '--json'], {
      env: sandboxEnv(sandbox),
    });
    expect(json.code).toBe(0);
    expect(json.stdout).toBe(
      `${JSON.stringify({ id: first!.id, metadata: { plate: 7, lab: 'north' } })}\n`,
    );
  });

  it('lists file types sorted by key, including qc and metadata', async () => {
    const result = await runCli(['file-types'], { env: sandboxEnv(sandbox) });
    expect(result.code).toBe(0);
    const keys = result.stdout
      .trim()
      .split('\n')
      .map((line) => line.split('\t')[0]!);
    expect(keys).toContain('qc');
    expect(keys).toContain('metadata');
    expect([...keys].sort((a, b) => a.localeCompare(b))).toEqual(keys);
  });

  it('reports maintenance with its ETA and exit 5', async () => {
    sandbox.control.addFault({
      match: { path: '/api/v2/projects/' },
      times: 50,
      fault: { type: 'maintenance', eta: '2026-12-01 18:00:00', message: 'Planned maintenance.' },
    });
    try {
      const result = await runCli(['projects', 'list'], { env: sandboxEnv(sandbox) });
      expect(result.code).toBe(5);
      expect(result.stderr).toContain('Planned maintenance.');
      expect(result.stderr).toContain('2026-12-01 18:00:00');
    } finally {
      sandbox.control.clearFaults();
    }
  });

  it('retries a 503, says so on stderr and succeeds', async () => {
    sandbox.control.addFault({
      match: { path: '/api/v2/projects/' },
      times: 2,
      fault: { type: 'status', status: 503 },
    });
    try {
      const result = await runCli(['projects', 'list'], { env: sandboxEnv(sandbox) });
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(
        /WARNING: GET \/api\/v2\/projects\/ failed \(HTTP 503, attempt 1\); retrying in \d+\.\ds/,
      );
      expect(result.stdout).toContain(sandbox.projects.default);
    } finally {
      sandbox.control.clearFaults();
    }
  });

  it('verifies webhook signatures with the spec test vector', async () => {
    const valid = await runCli(['webhooks', 'verify', SPEC_SECRET, SPEC_HEADER, SPEC_BODY]);
    expect(valid.code).toBe(0);
    const tampered = await runCli([
      'webhooks',
      'verify',
      SPEC_SECRET,
      SPEC_HEADER,
      '[{"event_id": "b"}]',
    ]);
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toContain('not valid');
    const json = await runCli([
      'webhooks',
      'verify',
      SPEC_SECRET,
      SPEC_HEADER,
      SPEC_BODY,
      '--json',
    ]);
    expect(JSON.parse(json.stdout)).toEqual({ valid: true });
    const badJson = await runCli([
      'webhooks',
      'verify',
      SPEC_SECRET,
      SPEC_HEADER,
      '[{"event_id": "b"}]',
      '--json',
    ]);
    expect(badJson.code).toBe(1);
    expect(JSON.parse(badJson.stdout)).toMatchObject({ valid: false, reason: expect.any(String) });
  });
});
