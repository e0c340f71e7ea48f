import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ApiError, notAuthenticated, tokenNotValid } from './errors.js';
import type { Ctx } from './http.js';
import { newId } from './ids.js';
import type { IssuedSecrets } from './secrets.js';
import type { Store, User } from './state.js';

const REFRESH_TTL_SECONDS = 24 * 3600;

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

interface Claims {
  token_type: 'access' | 'refresh';
  exp: number;
  iat: number;
  jti: string;
  user_id: string;
  /** generation: tokens of older generations are rejected (control.expireAccessTokens) */
  gen: number;
}

/** Issues and checks SimpleJWT-shaped HS256 tokens and API keys. */
export class Auth {
  private readonly secret = randomBytes(32);
  private accessGeneration = 0;

  constructor(
    private readonly store: Store,
    private readonly accessTtlSeconds: number,
    private readonly secrets?: IssuedSecrets,
  ) {}

  private sign(claims: Claims): string {
    const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const body = b64url(JSON.stringify(claims));
    const sig = createHmac('sha256', this.secret).update(`${head}.${body}`).digest('base64url');
    const token = `${head}.${body}.${sig}`;
    this.secrets?.add(token);
    return token;
  }

  private verify(token: string, type: Claims['token_type']): Claims | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [head, body, sig] = parts as [string, string, string];
    const expected = createHmac('sha256', this.secret).update(`${head}.${body}`).digest();
    const given = Buffer.from(sig, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let claims: Claims;
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Claims;
    } catch {
      return undefined;
    }
    if (claims.token_type !== type) return undefined;
    if (claims.exp * 1000 <= Date.now()) return undefined;
    if (type === 'access' && claims.gen < this.accessGeneration) return undefined;
    return claims;
  }

  issueAccess(user: User): string {
    const iat = Math.floor(Date.now() / 1000);
    return this.sign({
      token_type: 'access',
      iat,
      exp: iat + this.accessTtlSeconds,
      jti: newId().replaceAll('-', ''),
      user_id: user.id,
      gen: this.accessGeneration,
    });
  }

  issueRefresh(user: User): string {
    const iat = Math.floor(Date.now() / 1000);
    return this.sign({
      token_type: 'refresh',
      iat,
      exp: iat + REFRESH_TTL_SECONDS,
      jti: newId().replaceAll('-', ''),
      user_id: user.id,
      gen: 0,
    });
  }

  /** User of a valid refresh token, or undefined. */
  refreshUser(token: string): User | undefined {
    const claims = this.verify(token, 'refresh');
    return claims ? this.store.users.get(claims.user_id) : undefined;
  }

  expireAccessTokens(): void {
    this.accessGeneration++;
  }

  /** The authenticated user of a request, or throws the DRF/SimpleJWT 401. */
  authenticate(ctx: Ctx): User {
    const header = ctx.req.headers.authorization;
    if (!header) throw notAuthenticated();
    const space = header.indexOf(' ');
    const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
    const value = space < 0 ? '' : header.slice(space + 1).trim();
    if (scheme === 'api-key') {
      const userId = value ? this.store.apiKeys.get(value) : undefined;
      const user = userId ? this.store.users.get(userId) : undefined;
      if (!user) throw new ApiError(401, { detail: 'Invalid API key.' });
      return user;
    }
    if (scheme === 'bearer') {
      const claims = value ? this.verify(value, 'access') : undefined;
      const user = claims ? this.store.users.get(claims.user_id) : undefined;
      if (!user) throw tokenNotValid();
      return user;
    }
    throw notAuthenticated();
  }
}
