import type { App } from '../app.js';
import { ApiError } from '../errors.js';
import { sendJson } from '../http.js';
import { isoZ } from '../ids.js';
import type { Router } from '../router.js';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function authRoutes(router: Router, app: App): void {
  const { store, auth } = app;

  router.on('POST', '/api/v2/jwt-create', (ctx) => {
    const body = (ctx.body ?? {}) as Record<string, unknown>;
    const email = str(body.email);
    const password = str(body.password);
    const missing: Record<string, string[]> = {};
    if (!email) missing.email = ['This field is required.'];
    if (!password) missing.password = ['This field is required.'];
    if (Object.keys(missing).length) throw new ApiError(400, missing);
    const user = store.usersByEmail.get(email!.toLowerCase());
    if (!user || user.password !== password) {
      throw new ApiError(401, { detail: 'No active account found with the given credentials' });
    }
    if (user.otp !== undefined) {
      const otp = body.otp_token;
      if (otp === undefined || otp === null || otp === '') {
        throw new ApiError(401, {
          otp_token: ['This account uses two-factor authentication; please provide otp_token.'],
        });
      }
      if (String(otp) !== user.otp) {
        throw new ApiError(401, { detail: 'Invalid one-time password.' });
      }
    }
    sendJson(ctx, 200, { refresh: auth.issueRefresh(user), access: auth.issueAccess(user) });
  });

  router.on('POST', '/api/v2/jwt-refresh', (ctx) => {
    const body = (ctx.body ?? {}) as Record<string, unknown>;
    if (body.refresh === undefined)
      throw new ApiError(400, { refresh: ['This field is required.'] });
    if (body.refresh === null)
      throw new ApiError(400, { refresh: ['This field may not be null.'] });
    const user = typeof body.refresh === 'string' ? auth.refreshUser(body.refresh) : undefined;
    if (!user) {
      throw new ApiError(401, { detail: 'Token is invalid or expired', code: 'token_not_valid' });
    }
    sendJson(ctx, 200, { access: auth.issueAccess(user) });
  });

  router.on('GET', '/api/v2/user', (ctx) => {
    const user = auth.authenticate(ctx);
    sendJson(ctx, 200, {
      id: user.id,
      email: user.email,
      name: user.name,
      uploads_enabled: true,
      explorer_enabled: false,
      is_support: false,
      has_mfa_device: user.otp !== undefined,
      created: user.created,
    });
  });

  router.on('GET', '/api/v2/organization', (ctx) => {
    const user = auth.authenticate(ctx);
    const org = store.orgs.get(user.orgId)!;
    sendJson(ctx, 200, {
      id: org.id,
      name: org.name,
      expire_uploads_period_days: 30,
      archive_period_days: 30,
      archive_restore_period_days: 7,
      uploads_enabled: true,
      created: isoZ(Date.UTC(2025, 0, 6, 9)),
    });
  });

  router.on('GET', '/api/v2/organization-users', (ctx) => {
    const user = auth.authenticate(ctx);
    const users = [...store.users.values()].filter((u) => u.orgId === user.orgId);
    sendJson(ctx, 200, {
      meta: { count: users.length, next: null, previous: null },
      results: users.map((u) => ({ id: u.id, email: u.email, name: u.name, is_active: true })),
    });
  });
}
