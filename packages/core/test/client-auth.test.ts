/**
 * Authentication flows (§2) against a small local JWT fake on 127.0.0.1.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  type ClientEvent,
  ConfigError,
  GencoveClient,
  OtpRequiredError,
} from '../src/index.js';
import { json, type LocalServer, startLocalServer } from './helpers/local-server.js';

const EMAIL = 'dana.reyes@example.org';
const PASSWORD = 'correct-horse-battery';
const MFA_EMAIL = 'mfa@example.org';
const OTP = '482913';
const user = {
  id: 'e8e4d326-9867-4560-9dc1-561b7c23ea05',
  email: EMAIL,
  name: 'Dana',
  uploads_enabled: true,
  explorer_enabled: false,
  is_support: false,
};

interface FakeState {
  valid: Set<string>;
  refreshValid: Set<string>;
  seq: number;
  refuseAll: boolean;
}

async function startJwtFake(): Promise<{ server: LocalServer; state: FakeState }> {
  const state: FakeState = { valid: new Set(), refreshValid: new Set(), seq: 0, refuseAll: false };
  const server = await startLocalServer(async (req, res) => {
    const body = (req.json ?? {}) as Record<string, string>;
    if (req.url.pathname === '/api/v2/jwt-create/') {
      if (![EMAIL, MFA_EMAIL].includes(body.email ?? '') || body.password !== PASSWORD) {
        return json(res, 401, { detail: 'No active account found with the given credentials' });
      }
      if (body.email === MFA_EMAIL && body.otp_token !== OTP) {
        return json(res, 401, { otp_token: ['Please provide your one-time code.'] });
      }
      state.seq++;
      const access = `eyJhbGciOiJIUzI1NiJ9.access-${state.seq}.sig`;
      const refresh = `eyJhbGciOiJIUzI1NiJ9.refresh-${state.seq}.sig`;
      state.valid.add(access);
      state.refreshValid.add(refresh);
      return json(res, 200, { access, refresh });
    }
    if (req.url.pathname === '/api/v2/jwt-refresh/') {
      await new Promise((r) => setTimeout(r, 30)); // widen the race window
      if (!state.refreshValid.has(body.refresh ?? '')) {
        return json(res, 401, { detail: 'Token is invalid or expired', code: 'token_not_valid' });
      }
      state.seq++;
      const access = `eyJhbGciOiJIUzI1NiJ9.access-${state.seq}.sig`;
      state.valid.add(access);
      return json(res, 200, { access });
    }
    const auth = String(req.headers.authorization ?? '');
    const ok =
      !state.refuseAll &&
      (auth === 'Api-Key good-key-123' || state.valid.has(auth.replace(/^Bearer /, '')));
    if (!ok) {
      return json(res, 401, {
        detail: 'Given token not valid for any token type',
        code: 'token_not_valid',
        messages: [
          { token_class: 'AccessToken', token_type: 'access', message: 'Token is expired' },
        ],
      });
    }
    return json(res, 200, user);
  });
  return { server, state };
}

let server: LocalServer | undefined;
let client: GencoveClient | undefined;
afterEach(async () => {
  await client?.close();
  await server?.close();
  client = undefined;
  server = undefined;
});

const paths = (s: LocalServer) => s.requests.map((r) => `${r.method} ${r.url.pathname}`);

describe('JWT auth', () => {
  it('logs in lazily and sends Bearer', async () => {
    const fake = await startJwtFake();
    server = fake.server;
    client = new GencoveClient({ host: server.url, email: EMAIL, password: PASSWORD });
    expect(client.authMode).toBe('jwt');
    expect(server.requests).toHaveLength(0);
    await client.getUser();
    expect(paths(server)).toEqual(['POST /api/v2/jwt-create/', 'GET /api/v2/user/']);
    expect(server.requests[0]?.json).toEqual({ email: EMAIL, password: PASSWORD });
    expect(server.requests[1]?.headers.authorization).toBe(
      'Bearer eyJhbGciOiJIUzI1NiJ9.access-1.sig',
    );
  });

  it('concurrent 401s share exactly one refresh, then replay once', async () => {
    const fake = await startJwtFake();
    server = fake.server;
    const events: ClientEvent[] = [];
    client = new GencoveClient({
      host: server.url,
      email: EMAIL,
      password: PASSWORD,
      onEvent: (e) => events.push(e),
    });
    await client.login();
    fake.state.valid.clear(); // expire access tokens
    const results = await Promise.all(Array.from({ length: 6 }, () => client!.getUser()));
    expect(results.every((u) => u.id === user.id)).toBe(true);
    const refreshes = paths(server).filter((p) => p === 'POST /api/v2/jwt-refresh/');
    expect(refreshes).toHaveLength(1);
    expect(server.requests.find((r) => r.url.pathname === '/api/v2/jwt-refresh/')?.json).toEqual({
      refresh: 'eyJhbGciOiJIUzI1NiJ9.refresh-1.sig',
    });
    expect(
      events.filter((e) => e.type === 'auth-refresh').map((e) => (e as { phase: string }).phase),
    ).toEqual(['start', 'success']);
  });

  it('a second 401 after refresh → AuthenticationError', async () => {
    const fake = await startJwtFake();
    server = fake.server;
    client = new GencoveClient({ host: server.url, email: EMAIL, password: PASSWORD });
    await client.login();
    fake.state.refuseAll = true;
    const err = await client.getUser().catch((e) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err.code).toBe('ERR_GENCOVE_AUTH');
    expect(err.status).toBe(401);
    expect(paths(server)).toEqual([
      'POST /api/v2/jwt-create/',
      'GET /api/v2/user/',
      'POST /api/v2/jwt-refresh/',
      'GET /api/v2/user/',
    ]);
  });

  it('rejected refresh token → logs in again with stored credentials', async () => {
    const fake = await startJwtFake();
    server = fake.server;
    client = new GencoveClient({ host: server.url, email: EMAIL, password: PASSWORD });
    await client.login();
    fake.state.valid.clear();
    fake.state.refreshValid.clear();
    await expect(client.getUser()).resolves.toMatchObject({ id: user.id });
    expect(paths(server)).toEqual([
      'POST /api/v2/jwt-create/',
      'GET /api/v2/user/',
      'POST /api/v2/jwt-refresh/',
      'POST /api/v2/jwt-create/',
      'GET /api/v2/user/',
    ]);
  });

  it('bad credentials → AuthenticationError without the password', async () => {
    const fake = await startJwtFake();
    server = fake.server;
    client = new GencoveClient({ host: server.url, email: EMAIL, password: 'wrong-password-xyz' });
    const err = await client.getUser().catch((e) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err.message).toContain('Login failed');
    expect(err.message).toContain('No active account');
    expect(JSON.stringify(err)).not.toContain('wrong-password-xyz');
    expect(paths(server)).toEqual(['POST /api/v2/jwt-create/']);
  });

  it('OTP: callback supplies the code', async () => {
    const fake = await startJwtFake();
    server = fake.server;
    const asked: unknown[] = [];
    client = new GencoveClient({
      host: server.url,
      email: MFA_EMAIL,
      password: PASSWORD,
      otp: async (req) => {
        asked.push(req);
        return OTP;
      },
    });
    await client.login();
    expect(asked).toEqual([{ attempt: 1, message: 'Please provide your one-time code.' }]);
    expect(server.requests[1]?.json).toEqual({
      email: MFA_EMAIL,
      password: PASSWORD,
      otp_token: OTP,
    });
    await expect(client.getUser()).resolves.toBeTruthy();
  });

  it('OTP: wrong codes are re-asked, then AuthenticationError', async () => {
    const fake = await startJwtFake();
    server = fake.server;
    let n = 0;
    client = new GencoveClient({
      host: server.url,
      email: MFA_EMAIL,
      password: PASSWORD,
      otp: async () => `00000${n++}`,
    });
    const err = await client.login().catch((e) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err.message).toMatch(/one-time password was rejected/);
    expect(n).toBe(3);
  });

  it('OTP: no callback → OtpRequiredError', async () => {
    const fake = await startJwtFake();
    server = fake.server;
    client = new GencoveClient({ host: server.url, email: MFA_EMAIL, password: PASSWORD });
    const err = await client.getUser().catch((e) => e);
    expect(err).toBeInstanceOf(OtpRequiredError);
    expect(err.code).toBe('ERR_GENCOVE_OTP_REQUIRED');
  });
});

describe('API key auth', () => {
  it('no network call on login(); 401 is not refreshed', async () => {
    const fake = await startJwtFake();
    server = fake.server;
    client = new GencoveClient({
      host: server.url,
      apiKey: 'good-key-123',
      email: EMAIL,
      password: PASSWORD,
    });
    expect(client.authMode).toBe('api-key');
    await client.login();
    expect(server.requests).toHaveLength(0);
    await expect(client.getUser()).resolves.toBeTruthy();
    const bad = new GencoveClient({ host: server.url, apiKey: 'bad-key-456' });
    const err = await bad.getUser().catch((e) => e);
    await bad.close();
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(paths(server).filter((p) => p.includes('jwt'))).toEqual([]);
  });

  it('no credentials → ConfigError on the first authenticated call', async () => {
    const fake = await startJwtFake();
    server = fake.server;
    client = new GencoveClient({ host: server.url });
    expect(client.authMode).toBe('none');
    await expect(client.getUser()).rejects.toBeInstanceOf(ConfigError);
    const noPw = new GencoveClient({ host: server.url, email: EMAIL });
    await expect(noPw.login()).rejects.toThrow(/password is missing/);
    await noPw.close();
  });
});
