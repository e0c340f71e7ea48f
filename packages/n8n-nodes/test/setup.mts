import { type Sandbox, startSandbox } from '@gencove/sandbox';
import { afterAll, beforeAll } from 'vitest';
import { createHarness, type Harness } from './harness/n8n.mjs';

/** One sandbox and one in-process n8n per test file. */
export function useSandboxAndN8n(options: Parameters<typeof startSandbox>[0] = {}) {
  const ctx = {} as { sandbox: Sandbox; n8n: Harness };
  beforeAll(async () => {
    ctx.sandbox = await startSandbox(options);
    ctx.n8n = await createHarness({
      gencoveApi: {
        apiKey: ctx.sandbox.apiKey,
        host: ctx.sandbox.url,
        s3Endpoint: ctx.sandbox.s3Url,
      },
      gencoveEmailApi: {
        email: ctx.sandbox.email,
        password: ctx.sandbox.password,
        host: ctx.sandbox.url,
        s3Endpoint: ctx.sandbox.s3Url,
      },
      gencoveWebhookSecretApi: { secret: 'whsec-test-7f3a' },
    });
  });
  afterAll(async () => {
    ctx.n8n?.close();
    await ctx.sandbox?.close();
  });
  return ctx;
}
