import { describe, expect, it } from 'vitest';
import { ConfigError, clientOptionsFromConfig, resolveConfig } from '../src/index.js';

describe('resolveConfig (§1.1, §2.1)', () => {
  it('defaults', () => {
    const c = resolveConfig({}, {});
    expect(c.host).toBe('https://api.gencove.com');
    expect(c.hostSource).toBe('default');
    expect(c.credentials).toEqual({ mode: 'password', missing: ['email', 'password'] });
    expect(c.s3Endpoint).toBeUndefined();
    expect(c.debug).toBe(false);
  });

  it('GENCOVE_LOG=DEBUG (any case) asks for debug output; other values do not', () => {
    expect(resolveConfig({}, { GENCOVE_LOG: 'DEBUG' }).debug).toBe(true);
    expect(resolveConfig({}, { GENCOVE_LOG: ' debug ' }).debug).toBe(true);
    expect(resolveConfig({}, { GENCOVE_LOG: 'INFO' }).debug).toBe(false);
  });

  it('host: flag → GENCOVE_HOST → default; path discarded; scheme required', () => {
    expect(resolveConfig({ host: 'http://localhost:8200/some/path?x=1' }, {}).host).toBe(
      'http://localhost:8200',
    );
    const env = resolveConfig({}, { GENCOVE_HOST: 'https://api.example.test/' });
    expect(env.host).toBe('https://api.example.test');
    expect(env.hostSource).toBe('env');
    expect(resolveConfig({ host: 'http://a.test' }, { GENCOVE_HOST: 'http://b.test' }).host).toBe(
      'http://a.test',
    );
    expect(() => resolveConfig({ host: 'api.gencove.com' }, {})).toThrow(ConfigError);
    expect(() => resolveConfig({}, { GENCOVE_HOST: 'ftp://x' })).toThrow(/GENCOVE_HOST/);
    expect(() => resolveConfig({ host: 'https://u:secretpw@h.test' }, {})).toThrow(ConfigError);
    try {
      resolveConfig({ host: 'https://u:secretpw@h.test' }, {});
    } catch (e) {
      expect(String((e as Error).message)).not.toContain('secretpw');
    }
  });

  it('API key from env when no key/e-mail flag', () => {
    const c = resolveConfig({}, { GENCOVE_API_KEY: 'k-123', GENCOVE_PASSWORD: 'pw' });
    expect(c.credentials).toEqual({ mode: 'api-key', apiKey: 'k-123', source: 'env' });
  });

  it('e-mail from env, password from flag or env', () => {
    const c = resolveConfig({}, { GENCOVE_EMAIL: 'a@b.test', GENCOVE_PASSWORD: 'envpw' });
    expect(c.credentials).toMatchObject({
      mode: 'password',
      email: 'a@b.test',
      password: 'envpw',
      passwordSource: 'env',
      missing: [],
    });
    const f = resolveConfig(
      { password: 'flagpw' },
      { GENCOVE_EMAIL: 'a@b.test', GENCOVE_PASSWORD: 'envpw' },
    );
    expect(f.credentials).toMatchObject({ password: 'flagpw', passwordSource: 'flag' });
  });

  it('--email flag wins over GENCOVE_API_KEY', () => {
    const c = resolveConfig({ email: 'a@b.test' }, { GENCOVE_API_KEY: 'k' });
    expect(c.credentials).toMatchObject({
      mode: 'password',
      email: 'a@b.test',
      missing: ['password'],
    });
  });

  it('conflicts', () => {
    expect(() => resolveConfig({ apiKey: 'k', email: 'a@b.test' }, {})).toThrow(ConfigError);
    expect(() => resolveConfig({}, { GENCOVE_API_KEY: 'k', GENCOVE_EMAIL: 'a@b.test' })).toThrow(
      /GENCOVE_API_KEY and GENCOVE_EMAIL/,
    );
    try {
      resolveConfig({}, { GENCOVE_API_KEY: 'super-secret-key', GENCOVE_EMAIL: 'a@b.test' });
    } catch (e) {
      expect((e as ConfigError).code).toBe('ERR_GENCOVE_CONFIG');
      expect(JSON.stringify(e)).not.toContain('super-secret-key');
    }
  });

  it('quirk decision: a flag disambiguates both env vars', () => {
    const env = { GENCOVE_API_KEY: 'k', GENCOVE_EMAIL: 'a@b.test', GENCOVE_PASSWORD: 'p' };
    expect(resolveConfig({ apiKey: 'flag-key' }, env).credentials).toMatchObject({
      mode: 'api-key',
      apiKey: 'flag-key',
    });
    expect(resolveConfig({ email: 'c@d.test' }, env).credentials).toMatchObject({
      mode: 'password',
      email: 'c@d.test',
      password: 'p',
    });
  });

  it('password with API key is ignored with a warning', () => {
    const c = resolveConfig({ apiKey: 'k', password: 'pw' }, {});
    expect(c.credentials.mode).toBe('api-key');
    expect(c.warnings.join()).toMatch(/ignored/);
    expect(c.warnings.join()).not.toContain('pw"');
  });

  it('GENCOVE_LOCALSTACK_S3_ENDPOINT', () => {
    const c = resolveConfig({}, { GENCOVE_LOCALSTACK_S3_ENDPOINT: 'http://127.0.0.1:4566/' });
    expect(c.s3Endpoint).toBe('http://127.0.0.1:4566');
    expect(() => resolveConfig({}, { GENCOVE_LOCALSTACK_S3_ENDPOINT: 'nope' })).toThrow(
      ConfigError,
    );
  });

  it('clientOptionsFromConfig', () => {
    expect(
      clientOptionsFromConfig(
        resolveConfig({}, { GENCOVE_EMAIL: 'a@b.test', GENCOVE_PASSWORD: 'p' }),
      ),
    ).toEqual({ host: 'https://api.gencove.com', email: 'a@b.test', password: 'p' });
    expect(clientOptionsFromConfig(resolveConfig({ apiKey: 'k' }, {}))).toEqual({
      host: 'https://api.gencove.com',
      apiKey: 'k',
    });
  });
});
