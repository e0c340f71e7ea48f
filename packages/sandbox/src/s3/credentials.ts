import { ALNUM, randomToken, UPPER_ALNUM } from '../ids.js';
import type { IssuedSecrets } from '../secrets.js';

export interface IssuedCredential {
  accessKey: string;
  secretKey: string;
  token: string;
  expiresMs: number;
  /** upload credentials may only touch the uploads bucket; the admin key may touch any */
  scope: 'uploads' | 'admin';
}

/** Access key that always works against the S3 proxy (tests, benchmarks): secret `S3RVER`. */
export const ADMIN_ACCESS_KEY = 'S3RVER';
export const ADMIN_SECRET_KEY = 'S3RVER';

/** Temporary credentials issued by upload-credentials and checked by the S3 proxy. */
export class CredentialRegistry {
  private readonly issued = new Map<string, IssuedCredential>();

  constructor(private readonly secrets?: IssuedSecrets) {}

  issue(ttlSeconds: number): IssuedCredential {
    const cred: IssuedCredential = {
      accessKey: `ASIA${randomToken(16, UPPER_ALNUM)}`,
      secretKey: randomToken(40, ALNUM),
      token: `IQoJsandbox${randomToken(120, ALNUM)}`,
      expiresMs: Date.now() + ttlSeconds * 1000,
      scope: 'uploads',
    };
    this.issued.set(cred.accessKey, cred);
    this.secrets?.add(cred.secretKey, cred.token);
    return cred;
  }

  lookup(accessKey: string): IssuedCredential | undefined {
    if (accessKey === ADMIN_ACCESS_KEY) {
      return {
        accessKey,
        secretKey: ADMIN_SECRET_KEY,
        token: '',
        expiresMs: Number.POSITIVE_INFINITY,
        scope: 'admin',
      };
    }
    return this.issued.get(accessKey);
  }

  /** Expires one credential now (chaos: credentials that expire earlier than announced). */
  expire(accessKey: string): boolean {
    const cred = this.issued.get(accessKey);
    if (!cred) return false;
    cred.expiresMs = Math.min(cred.expiresMs, Date.now() - 1000);
    return true;
  }

  expireAll(): void {
    const past = Date.now() - 1000;
    for (const cred of this.issued.values()) cred.expiresMs = Math.min(cred.expiresMs, past);
  }
}
