import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../src/index.js';
import { api, UUID_RE } from './helpers.js';

let sb: Sandbox;

beforeAll(async () => {
  sb = await startSandbox({ pipeline: 'manual', accessTokenTtlSeconds: 60 });
});
afterAll(async () => {
  await sb?.close();
});

const TOKEN_NOT_VALID = {
  detail: 'Given token not valid for any token type',
  code: 'token_not_valid',
  messages: [
    { token_class: 'AccessToken', token_type: 'access', message: 'Token is invalid or expired' },
  ],
};

describe('authentication', () => {
  it('Api-Key header authenticates GET /user/', async () => {
    const res = await api(sb, 'GET', '/api/v2/user/');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      email: sb.email,
      uploads_enabled: true,
      explorer_enabled: false,
      is_support: false,
    });
    expect(res.body.id).toMatch(UUID_RE);
    expect(typeof res.body.name).toBe('string');
  });

  it('missing credentials → 401 DRF detail', async () => {
    const res = await api(sb, 'GET', '/api/v2/user/', undefined, null);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ detail: 'Authentication credentials were not provided.' });
  });

  it('unknown API key → 401 detail', async () => {
    const res = await api(sb, 'GET', '/api/v2/user/', undefined, 'Api-Key nope');
    expect(res.status).toBe(401);
    expect(typeof res.body.detail).toBe('string');
  });

  it('jwt-create returns a JWT pair; Bearer access works; refresh issues a new access', async () => {
    const login = await api(
      sb,
      'POST',
      '/api/v2/jwt-create/',
      {
        email: sb.email,
        password: sb.password,
      },
      null,
    );
    expect(login.status).toBe(200);
    const { access, refresh } = login.body as { access: string; refresh: string };
    expect(access.split('.')).toHaveLength(3);
    const claims = JSON.parse(Buffer.from(access.split('.')[1]!, 'base64url').toString());
    expect(claims.token_type).toBe('access');
    expect(claims.exp - claims.iat).toBe(60);

    const me = await api(sb, 'GET', '/api/v2/user', undefined, `Bearer ${access}`);
    expect(me.status).toBe(200);
    expect(me.body.email).toBe(sb.email);

    const refreshed = await api(sb, 'POST', '/api/v2/jwt-refresh/', { refresh }, null);
    expect(refreshed.status).toBe(200);
    expect(typeof refreshed.body.access).toBe('string');
    expect(
      (await api(sb, 'GET', '/api/v2/organization/', undefined, `Bearer ${refreshed.body.access}`))
        .status,
    ).toBe(200);
  });

  it('expired access token → 401 with the SimpleJWT token_not_valid body; refresh recovers', async () => {
    const login = await api(
      sb,
      'POST',
      '/api/v2/jwt-create/',
      { email: sb.email, password: sb.password },
      null,
    );
    sb.control.expireAccessTokens();
    const res = await api(sb, 'GET', '/api/v2/user/', undefined, `Bearer ${login.body.access}`);
    expect(res.status).toBe(401);
    expect(res.body).toEqual(TOKEN_NOT_VALID);
    const refreshed = await api(
      sb,
      'POST',
      '/api/v2/jwt-refresh/',
      { refresh: login.body.refresh },
      null,
    );
    expect(refreshed.status).toBe(200);
    const again = await api(
      sb,
      'GET',
      '/api/v2/user/',
      undefined,
      `Bearer ${refreshed.body.access}`,
    );
    expect(again.status).toBe(200);
  });

  it('garbage bearer token → 401 token_not_valid', async () => {
    const res = await api(sb, 'GET', '/api/v2/user/', undefined, 'Bearer abc.def.ghi');
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('token_not_valid');
  });

  it('refresh with a bad token → 401; without one → 400 field map', async () => {
    const bad = await api(sb, 'POST', '/api/v2/jwt-refresh/', { refresh: 'x.y.z' }, null);
    expect(bad.status).toBe(401);
    expect(bad.body.code).toBe('token_not_valid');
    const none = await api(sb, 'POST', '/api/v2/jwt-refresh/', {}, null);
    expect(none.status).toBe(400);
    expect(none.body).toEqual({ refresh: ['This field is required.'] });
    // an access token is not a refresh token
    const login = await api(
      sb,
      'POST',
      '/api/v2/jwt-create/',
      { email: sb.email, password: sb.password },
      null,
    );
    const wrongType = await api(
      sb,
      'POST',
      '/api/v2/jwt-refresh/',
      { refresh: login.body.access },
      null,
    );
    expect(wrongType.status).toBe(401);
  });

  it('bad password → 401 "No active account"', async () => {
    const res = await api(
      sb,
      'POST',
      '/api/v2/jwt-create/',
      { email: sb.email, password: 'wrong' },
      null,
    );
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ detail: 'No active account found with the given credentials' });
  });

  it('MFA user: otp_token required, wrong code refused, right code logs in', async () => {
    const { email, password, otpToken } = sb.mfa;
    const first = await api(sb, 'POST', '/api/v2/jwt-create/', { email, password }, null);
    expect(first.status).toBe(401);
    expect(Object.keys(first.body)).toEqual(['otp_token']);
    expect(Array.isArray(first.body.otp_token)).toBe(true);
    const wrong = await api(
      sb,
      'POST',
      '/api/v2/jwt-create/',
      { email, password, otp_token: '000000' },
      null,
    );
    expect(wrong.status).toBe(401);
    const ok = await api(
      sb,
      'POST',
      '/api/v2/jwt-create/',
      { email, password, otp_token: otpToken },
      null,
    );
    expect(ok.status).toBe(200);
    expect(typeof ok.body.access).toBe('string');
  });

  it('GET /organization/ returns the required fields', async () => {
    const res = await api(sb, 'GET', '/api/v2/organization');
    expect(res.status).toBe(200);
    for (const key of [
      'id',
      'name',
      'expire_uploads_period_days',
      'archive_period_days',
      'archive_restore_period_days',
      'uploads_enabled',
    ]) {
      expect(res.body).toHaveProperty(key);
    }
  });
});
