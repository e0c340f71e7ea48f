/**
 * `onSecret`: every secret the client learns reaches the callback before the client uses it or
 * emits anything after learning it. Observed against the sandbox, which lists every secret it
 * issued, with a dispatcher interceptor recording what really went over the wire.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Sandbox, startSandbox } from '@gencove/sandbox';
import { Agent, type Dispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClientEvent,
  GencoveClient,
  type GencoveClientOptions,
  planUpload,
  type UploadEvent,
  uploadFastqs,
} from '../src/index.js';

type Entry =
  | { kind: 'secret'; value: string }
  | { kind: 'event'; event: ClientEvent | UploadEvent }
  | { kind: 'wire'; path: string; authorization: string | undefined; body: string };

/** Endpoints whose responses carry new secrets: their `response` event precedes the parsing. */
const ISSUING = /\/api\/v2\/(jwt-create|jwt-refresh|upload-credentials)\/$/;

let sb: Sandbox;
let dir: string;

beforeAll(async () => {
  sb = await startSandbox({ pipeline: 'manual' });
  dir = await mkdtemp(join(tmpdir(), 'gencove-on-secret-'));
});
afterAll(async () => {
  await sb?.close();
  await rm(dir, { recursive: true, force: true });
});

class Timeline {
  readonly entries: Entry[] = [];
  readonly reported = new Set<string>();
  readonly reportedInOrder: string[] = [];
  /** Issued secrets (sandbox) that existed before this timeline: not this client's. */
  readonly #before: Set<string>;
  readonly #agent: Agent;
  readonly dispatcher: Dispatcher;

  constructor(sandbox: Sandbox) {
    this.#before = new Set(sandbox.control.issuedSecrets());
    this.#agent = new Agent();
    this.dispatcher = this.#agent.compose((dispatch) => (options, handler) => {
      const headers = options.headers as Record<string, string> | undefined;
      this.entries.push({
        kind: 'wire',
        path: options.path,
        authorization: headers?.authorization,
        body: typeof options.body === 'string' ? options.body : '',
      });
      return dispatch(options, handler);
    });
  }

  onSecret = (value: string): void => {
    this.reported.add(value);
    this.reportedInOrder.push(value);
    this.entries.push({ kind: 'secret', value });
  };

  onEvent = (event: ClientEvent | UploadEvent): void => {
    this.entries.push({ kind: 'event', event });
    // The sandbox is in-process: what it issued so far is known at this very moment.
    const unreported = this.issuedSince().filter((s) => !this.reported.has(s));
    const issuingResponse = event.type === 'response' && ISSUING.test(new URL(event.url).pathname);
    if (unreported.length > 0 && !issuingResponse) {
      throw new Error(`${event.type} event emitted before onSecret saw ${unreported.join(', ')}`);
    }
  };

  /** Secrets the sandbox issued since this timeline started, minus presigned-URL signatures. */
  issuedSince(): string[] {
    return sb.control
      .issuedSecrets()
      .filter((s) => !this.#before.has(s) && !/^[0-9a-f]{64}$/.test(s));
  }

  options(extra: Partial<GencoveClientOptions>): GencoveClientOptions {
    return {
      host: sb.url,
      s3Endpoint: sb.s3Url,
      agent: this.dispatcher,
      onSecret: this.onSecret,
      // a listener that throws is swallowed by the client; record the violation instead
      onEvent: (event) => {
        try {
          this.onEvent(event);
        } catch (error) {
          this.violations.push((error as Error).message);
        }
      },
      ...extra,
    };
  }

  readonly violations: string[] = [];

  /** Every secret in an outgoing request (Authorization header, JSON body) was reported earlier. */
  wireViolations(secrets: string[]): string[] {
    const seen = new Set<string>();
    const out: string[] = [];
    for (const entry of this.entries) {
      if (entry.kind === 'secret') seen.add(entry.value);
      if (entry.kind !== 'wire') continue;
      const sent = `${entry.authorization ?? ''} ${entry.body}`;
      for (const s of secrets) {
        if (sent.includes(s) && !seen.has(s)) out.push(`${entry.path} sent ${s} before onSecret`);
      }
    }
    return out;
  }

  /** Secrets that appear in the text of any event (they never should). */
  eventLeaks(secrets: string[]): string[] {
    const text = this.entries
      .filter((e) => e.kind === 'event')
      .map((e) => JSON.stringify(e.event))
      .join('\n');
    return secrets.filter((s) => text.includes(s));
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}

const isJwt = (s: string) => /^eyJ[\w-]+\.[\w-]+\.[\w-]*$/.test(s);

describe('GencoveClient onSecret', () => {
  it('reports the API key during construction, before any request', async () => {
    const t = new Timeline(sb);
    const client = new GencoveClient(t.options({ apiKey: sb.apiKey }));
    expect(t.entries).toEqual([{ kind: 'secret', value: sb.apiKey }]);
    await client.getUser();
    expect(t.reportedInOrder).toEqual([sb.apiKey]);
    expect(t.wireViolations([sb.apiKey])).toEqual([]);
    expect(t.eventLeaks([sb.apiKey])).toEqual([]);
    await client.close();
    await t.close();
  });

  it('e-mail mode: the password, then each JWT of login and refresh before it is used', async () => {
    const t = new Timeline(sb);
    const client = new GencoveClient(t.options({ email: sb.email, password: sb.password }));
    expect(t.reportedInOrder).toEqual([sb.password]);
    await client.getUser();
    const afterLogin = t.issuedSince();
    expect(afterLogin.filter(isJwt)).toHaveLength(2);

    sb.control.expireAccessTokens();
    await client.getUser(); // 401 → jwt-refresh → replay with the new access token
    await client.listProjects().toArray();

    const issued = t.issuedSince();
    expect(issued.filter(isJwt).length).toBeGreaterThan(afterLogin.filter(isJwt).length);
    for (const s of issued) expect(t.reported).toContain(s);
    const paths = t.entries.flatMap((e) => (e.kind === 'wire' ? [e.path] : []));
    expect(paths.filter((p) => p.startsWith('/api/v2/jwt-refresh'))).toHaveLength(1);
    const secrets = [sb.password, ...issued];
    expect(t.wireViolations(secrets)).toEqual([]);
    expect(t.eventLeaks(secrets)).toEqual([]);
    expect(t.violations).toEqual([]);
    const loginDone = t.entries.findIndex(
      (e) => e.kind === 'event' && e.event.type === 'auth-login' && e.event.phase === 'success',
    );
    const jwtsReportedBefore = t.entries
      .slice(0, loginDone)
      .filter((e) => e.kind === 'secret' && isJwt(e.value));
    expect(jwtsReportedBefore).toHaveLength(2);
    expect(new Set(t.reportedInOrder).size).toBe(t.reportedInOrder.length);
    await client.close();
    await t.close();
  });

  it('reports a one-time password before it is sent', async () => {
    const t = new Timeline(sb);
    const client = new GencoveClient(
      t.options({
        email: sb.mfa.email,
        password: sb.mfa.password,
        otp: async () => sb.mfa.otpToken,
      }),
    );
    await client.getUser();
    expect(t.reportedInOrder.slice(0, 2)).toEqual([sb.mfa.password, sb.mfa.otpToken]);
    const sentOtp = t.entries.find((e) => e.kind === 'wire' && e.body.includes('otp_token'));
    expect(sentOtp).toBeDefined();
    const secrets = [sb.mfa.password, sb.mfa.otpToken, ...t.issuedSince()];
    for (const s of secrets) expect(t.reported).toContain(s);
    expect(t.wireViolations(secrets)).toEqual([]);
    expect(t.violations).toEqual([]);
    await client.close();
    await t.close();
  });

  it('reports upload credentials before getUploadCredentials resolves', async () => {
    const t = new Timeline(sb);
    const client = new GencoveClient(t.options({ apiKey: sb.apiKey }));
    const creds = await client.getUploadCredentials();
    expect(t.reportedInOrder).toEqual([sb.apiKey, creds.access_key, creds.secret_key, creds.token]);
    for (const s of t.issuedSince()) expect(t.reported).toContain(s);
    expect(t.violations).toEqual([]);
    await client.close();
    await t.close();
  });

  it('an upload job: every secret issued on the way reaches onSecret before any event', async () => {
    const root = join(dir, 'reads');
    await mkdir(root, { recursive: true });
    await writeFile(join(root, 'OS1_R1.fastq.gz'), Buffer.alloc(4096, 1));
    await writeFile(join(root, 'OS1_R2.fastq.gz'), Buffer.alloc(2048, 2));
    const t = new Timeline(sb);
    const client = new GencoveClient(t.options({ email: sb.email, password: sb.password }));
    const plan = await planUpload({ source: root, destination: 'gncv://on-secret/' });
    const result = await uploadFastqs(client, {
      plan,
      runProjectId: sb.projects.default,
      onEvent: (event) => {
        try {
          t.onEvent(event);
        } catch (error) {
          t.violations.push((error as Error).message);
        }
      },
    });
    expect(result.files.map((f) => f.outcome)).toEqual(['uploaded', 'uploaded']);
    const issued = t.issuedSince();
    expect(issued.filter(isJwt).length).toBeGreaterThanOrEqual(2);
    expect(issued.length).toBeGreaterThan(issued.filter(isJwt).length); // S3 secret and token
    for (const s of issued) expect(t.reported).toContain(s);
    expect(t.violations).toEqual([]);
    expect(t.wireViolations([sb.password, ...issued])).toEqual([]);
    expect(t.eventLeaks([sb.password, ...issued, ...t.reportedInOrder])).toEqual([]);
    await client.close();
    await t.close();
  });

  it('fails closed: a throwing onSecret fails the operation that learned the secret', async () => {
    const refuse = () => {
      throw new Error('masking unavailable');
    };
    expect(() => new GencoveClient({ host: sb.url, apiKey: sb.apiKey, onSecret: refuse })).toThrow(
      'masking unavailable',
    );
    let calls = 0;
    const client = new GencoveClient({
      host: sb.url,
      email: sb.email,
      password: sb.password,
      onSecret: (value) => {
        if (++calls > 1) refuse();
        expect(value).toBe(sb.password);
      },
    });
    sb.control.clearRequests();
    await expect(client.getUser()).rejects.toThrow('masking unavailable');
    // the login happened, but no request was sent with the unreported token
    const sent = sb.control.requests.filter((r) => r.target !== 's3').map((r) => r.path);
    expect(sent.filter((p) => !p.startsWith('/api/v2/jwt-create'))).toEqual([]);
    await client.close();
  });

  it('short values are neither scrubbed nor reported, and each value is reported once', () => {
    const seen: string[] = [];
    const client = new GencoveClient({
      host: sb.url,
      apiKey: sb.apiKey,
      onSecret: (v) => seen.push(v),
    });
    client.addSecrets('ab', undefined, null, 'abc', sb.apiKey, 'abc');
    expect(seen).toEqual([sb.apiKey, 'abc']);
    expect(client.redact('x abc ab')).toBe('x [REDACTED] ab');
  });
});
