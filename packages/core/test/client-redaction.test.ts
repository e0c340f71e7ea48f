/**
 * Redaction guarantee: distinctive secrets must never appear in an error's message,
 * stack, JSON form, util.inspect output, cause, or in emitted events — on every path.
 * The hostile server echoes every secret in its error bodies; a client is expected to
 * hide the secrets it knows (its credentials, tokens and S3 credentials it received,
 * OTPs it sent) plus anything matching credential patterns (JWTs, URL signatures).
 */
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClientEvent,
  GencoveClient,
  type GencoveClientOptions,
  GencoveError,
  redactBody,
  redactHeaders,
  redactString,
  redactUrl,
  SecretScrubber,
} from '../src/index.js';
import { json, type LocalServer, startLocalServer } from './helpers/local-server.js';

const API_KEY = 'ak-LEAK-apikey-0001';
const PASSWORD = 'pw-LEAK-password-0002';
const ACCESS = 'eyJhbGciOiJIUzI1NiJ9.LEAKaccess0003.sigA';
const REFRESH = 'eyJhbGciOiJIUzI1NiJ9.LEAKrefresh0004.sigB';
const S3_KEY = 'ASIALEAKACCESSKEY0005';
const S3_SECRET = 'LEAKsecretKey0006';
const S3_TOKEN = 'LEAKsessionToken0007';
const SIGNATURE = 'LEAKsignature0008';
const OTP = '990011';
const SECRETS = [API_KEY, PASSWORD, ACCESS, REFRESH, S3_KEY, S3_SECRET, S3_TOKEN, SIGNATURE, OTP];
const SIGNED_URL = `https://bucket.s3.amazonaws.com/x/r1.fastq.gz?response-content-disposition=attachment&X-Amz-Credential=${S3_KEY}%2F20260105&X-Amz-Security-Token=${S3_TOKEN}&X-Amz-Signature=${SIGNATURE}`;
const SAMPLE = '4c0468d4-18dc-471c-9201-2084cd81599b';
const echoAll = `key ${API_KEY} pw ${PASSWORD} at ${ACCESS} rt ${REFRESH} s3 ${S3_KEY} ${S3_SECRET} ${S3_TOKEN} url ${SIGNED_URL} otp ${OTP}`;

let known: string[] = SECRETS;

function expectClean(label: string, text: string) {
  for (const s of known) {
    if (text.includes(s)) throw new Error(`${label} leaks ${s}:\n${text}`);
  }
}

function expectErrorClean(err: unknown) {
  expect(err).toBeInstanceOf(GencoveError);
  const e = err as GencoveError;
  expectClean('message', e.message);
  expectClean('stack', String(e.stack));
  expectClean('JSON', JSON.stringify(e));
  expectClean('inspect', inspect(e, { depth: Number.POSITIVE_INFINITY }));
  expectClean('inspect(showHidden)', inspect(e, { depth: 6, showHidden: true }));
  expectClean('String', String(e));
  if (e.cause) expectClean('cause', inspect(e.cause, { depth: Number.POSITIVE_INFINITY }));
}

let server: LocalServer;
let mode: string = 'echo';
let sawRefresh = false;

beforeAll(async () => {
  server = await startLocalServer((req, res, raw) => {
    const p = req.url.pathname;
    if (p === '/api/v2/jwt-create/') {
      const body = req.json as Record<string, string>;
      if (mode === 'login-echo') return json(res, 400, { password: [`${body.password} is wrong`] });
      if (mode === 'otp-echo')
        return json(res, 401, { otp_token: [`code ${body.otp_token ?? ''} invalid ${echoAll}`] });
      return json(res, 200, { access: ACCESS, refresh: REFRESH });
    }
    if (p === '/api/v2/jwt-refresh/') {
      sawRefresh = true;
      return json(res, 401, { detail: `refresh ${REFRESH} rejected`, code: 'token_not_valid' });
    }
    if (p === '/api/v2/upload-credentials/') {
      return json(res, 200, {
        version: 1,
        access_key: S3_KEY,
        secret_key: S3_SECRET,
        token: S3_TOKEN,
        expiry_time: '2026-01-05T10:14:03+00:00',
      });
    }
    if (p === `/api/v2/samples/${SAMPLE}` && mode === 'sample') {
      return json(res, 200, { id: SAMPLE, files: [{ id: SAMPLE, download_url: SIGNED_URL }] });
    }
    switch (mode) {
      case 'reset':
        return raw.socket.destroy();
      case 'hang':
        return;
      case '500':
        return json(res, 500, { detail: echoAll });
      case '401':
        return json(res, 401, { detail: echoAll });
      case 'nonjson':
        res.writeHead(400, { 'content-type': 'text/plain' });
        return res.end(echoAll);
      case 'shape':
        return json(res, 200, { results: [{ nope: echoAll }] });
      case 'list':
        return json(res, 400, [echoAll, echoAll]);
      case 'fieldmap':
        return json(res, 400, { destination_path: [echoAll], [API_KEY]: ['key as field name'] });
      case 'maintenance':
        return json(res, 503, {
          maintenance: true,
          maintenance_eta: echoAll,
          maintenance_message: echoAll,
        });
      default:
        return json(res, 404, { detail: echoAll }, { 'x-request-id': `req ${API_KEY}` });
    }
  });
});
afterAll(async () => {
  await server.close();
});

async function withClient<T>(
  options: Partial<GencoveClientOptions>,
  fn: (c: GencoveClient, events: ClientEvent[]) => Promise<T>,
  s3CredentialsFetched = true,
): Promise<ClientEvent[]> {
  known = [
    ...(s3CredentialsFetched ? [S3_KEY, S3_SECRET, S3_TOKEN] : []),
    SIGNATURE,
    ACCESS,
    REFRESH,
    ...(options.apiKey ? [API_KEY] : [PASSWORD]),
    ...(options.otp ? [OTP] : []),
  ];
  const events: ClientEvent[] = [];
  const c = new GencoveClient({
    host: server.url,
    timeoutMs: 200,
    onEvent: (e) => events.push(e),
    retry: { maxAttempts: 2, sleep: async () => {} },
    ...options,
  });
  try {
    await fn(c, events);
  } finally {
    await c.close();
  }
  expectClean('events', JSON.stringify(events));
  expectClean('events(inspect)', inspect(events, { depth: Number.POSITIVE_INFINITY }));
  return events;
}

const apiKeyClient = { apiKey: API_KEY };
const jwtClient = { email: 'dana@example.org', password: PASSWORD };

describe('no secret leaks from errors or events', () => {
  it.each([
    ['404 detail echo', '404'],
    ['401 detail echo', '401'],
    ['500', '500'],
    ['reset', 'reset'],
    ['timeout', 'hang'],
    ['non-JSON 4xx', 'nonjson'],
    ['response shape', 'shape'],
    ['bare list', 'list'],
    ['field map', 'fieldmap'],
    ['maintenance', 'maintenance'],
  ])('API-key client: %s', async (_label, m) => {
    mode = m;
    await withClient(apiKeyClient, async (c) => {
      await c.getUploadCredentials().catch(() => {});
      const err = await c
        .listProjectSamples(SAMPLE)
        .toArray()
        .catch((e) => e);
      expectErrorClean(err);
      if (m !== 'hang') {
        const err2 = await c.createUpload('gncv://run/x_R1.fastq.gz').catch((e) => e);
        expectErrorClean(err2);
      }
    });
  });

  it.each([
    ['404', '404'],
    ['401 → refresh rejected → relogin → 401', '401'],
    ['field map', 'fieldmap'],
  ])('JWT client: %s', async (_label, m) => {
    mode = m;
    sawRefresh = false;
    await withClient(jwtClient, async (c) => {
      await c.getUploadCredentials().catch(() => {});
      const err = await c.getSample(SAMPLE).catch((e) => e);
      expectErrorClean(err);
    });
    if (m === '401') expect(sawRefresh).toBe(true);
  });

  it('login failure echoing the password', async () => {
    mode = 'login-echo';
    await withClient(jwtClient, async (c) => {
      expectErrorClean(await c.login().catch((e) => e));
    });
  });

  it('OTP failure echoing the code', async () => {
    mode = 'otp-echo';
    await withClient(
      { ...jwtClient, otp: async () => OTP },
      async (c) => {
        expectErrorClean(await c.login().catch((e) => e));
      },
      false,
    );
    await withClient(
      jwtClient,
      async (c) => {
        expectErrorClean(await c.login().catch((e) => e));
      },
      false,
    );
  });

  it('signed URLs in request bodies, responses and error messages', async () => {
    mode = 'sample';
    const events = await withClient(apiKeyClient, async (c) => {
      await c.getUploadCredentials();
      const s = await c.getSample(SAMPLE);
      expect(s.files[0]?.download_url).toBe(SIGNED_URL); // data itself is untouched
      mode = 'fieldmap';
      const err = await c.createUrlUpload('gncv://run/x_R1.fastq.gz', SIGNED_URL).catch((e) => e);
      expectErrorClean(err);
    });
    const req = events.find(
      (e) => e.type === 'request' && e.url.includes('uploads-url'),
    ) as Extract<ClientEvent, { type: 'request' }>;
    expect(JSON.stringify(req.body)).toContain('X-Amz-Signature=[REDACTED]');
    expect(req.headers.authorization).toBe('Api-Key [REDACTED]');
  });

  it('request events of the login carry no password', async () => {
    mode = '404';
    const events = await withClient(jwtClient, async (c) => {
      await c.login();
    });
    const login = events.find((e) => e.type === 'request') as Extract<
      ClientEvent,
      { type: 'request' }
    >;
    expect(login.body).toEqual({ email: 'dana@example.org', password: '[REDACTED]' });
  });
});

describe('redaction helpers', () => {
  it('redactUrl', () => {
    known = SECRETS;
    const out = redactUrl(SIGNED_URL);
    expectClean('url', out);
    expect(out).toContain('response-content-disposition=attachment');
    expect(redactUrl('https://u:p@h.test/x?sig=abc&se=2026&ok=1')).toBe(
      'https://[REDACTED]@h.test/x?sig=[REDACTED]&se=[REDACTED]&ok=1',
    );
    expect(redactUrl('https://h.test/x?X-Goog-Signature=a&X-Goog-Credential=b')).toBe(
      'https://h.test/x?X-Goog-Signature=[REDACTED]&X-Goog-Credential=[REDACTED]',
    );
  });

  it('redactHeaders keeps the scheme', () => {
    expect(
      redactHeaders({
        Authorization: `Bearer ${ACCESS}`,
        cookie: 'a=b',
        'x-amz-security-token': 't',
        ok: '1',
      }),
    ).toEqual({
      Authorization: 'Bearer [REDACTED]',
      cookie: '[REDACTED]',
      'x-amz-security-token': '[REDACTED]',
      ok: '1',
    });
  });

  it('redactBody', () => {
    expect(
      redactBody({
        email: 'a@b.test',
        password: 'x',
        otp_token: '1',
        nested: [
          { access: 'a', refresh: 'r', secret_key: 's', access_key: 'k', token: 't', keep: 'v' },
        ],
        url: SIGNED_URL,
      }),
    ).toEqual({
      email: 'a@b.test',
      password: '[REDACTED]',
      otp_token: '[REDACTED]',
      nested: [
        {
          access: '[REDACTED]',
          refresh: '[REDACTED]',
          secret_key: '[REDACTED]',
          access_key: '[REDACTED]',
          token: '[REDACTED]',
          keep: 'v',
        },
      ],
      url: redactUrl(SIGNED_URL),
    });
  });

  it('redactString and SecretScrubber', () => {
    expect(redactString(`Authorization: Bearer ${ACCESS}`)).toBe(
      'Authorization: Bearer [REDACTED]',
    );
    expect(redactString('Given token not valid for any token type')).toBe(
      'Given token not valid for any token type',
    );
    const s = new SecretScrubber();
    s.add(PASSWORD, 'ab', undefined);
    expect(s.text(`x ${PASSWORD} y ${encodeURIComponent(PASSWORD)} ab`)).toBe(
      'x [REDACTED] y [REDACTED] ab',
    );
  });
});
