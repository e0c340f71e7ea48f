import type { ICredentialsDecrypted, ICredentialTestFunctions } from 'n8n-workflow';
import { expect, test } from 'vitest';
import { useSandboxAndN8n } from './setup.mjs';

const env = useSandboxAndN8n({ pipeline: 'instant' });

const userRequests = () =>
  env.sandbox.control.requests.filter((r) => r.method === 'GET' && r.path === '/api/v2/user/');

test('Gencove API credential: the test calls the user endpoint with the key, and fails on a wrong one', async () => {
  env.sandbox.control.clearRequests();
  // a host with a trailing slash, as users paste it
  const ok = await env.n8n.testCredential('gencoveApi', {
    apiKey: env.sandbox.apiKey,
    host: `${env.sandbox.url}/`,
  });
  expect(ok).toEqual({ status: 'OK', message: 'Connection successful!' });
  expect(userRequests().map((r) => r.status)).toEqual([200]);

  env.sandbox.control.clearRequests();
  const wrong = await env.n8n.testCredential('gencoveApi', {
    apiKey: 'not-a-valid-key',
    host: env.sandbox.url,
  });
  expect(wrong).toEqual({ status: 'Error', message: 'Received HTTP status code: 401' });
  // n8n sends a request that answered 401 once more after its pre-authentication step
  expect(userRequests().length).toBeGreaterThan(0);
  expect(userRequests().every((r) => r.status === 401)).toBe(true);
});

test('Gencove Email/Password credential: the test logs in (preAuthentication), then calls the user endpoint', async () => {
  env.sandbox.control.clearRequests();
  const ok = await env.n8n.testCredential('gencoveEmailApi', {
    email: env.sandbox.email,
    password: env.sandbox.password,
    host: env.sandbox.url,
    accessToken: '',
  });
  expect(ok).toEqual({ status: 'OK', message: 'Connection successful!' });
  const paths = env.sandbox.control.requests.map((r) => `${r.method} ${r.path} ${r.status}`);
  expect(paths).toEqual(['POST /api/v2/jwt-create/ 200', 'GET /api/v2/user/ 200']);

  env.sandbox.control.clearRequests();
  const wrong = await env.n8n.testCredential('gencoveEmailApi', {
    email: env.sandbox.email,
    password: 'not-the-password',
    host: env.sandbox.url,
    accessToken: '',
  });
  expect(wrong.status).toBe('Error');
  expect(wrong.message).not.toContain('not-the-password');
  expect(userRequests()).toEqual([]);
});

test('Gencove Webhook Secret credential: tested locally by the webhook trigger', async () => {
  const trigger = env.n8n.nodeTypes.get('n8n-nodes-gencove.gencoveWebhookTrigger')!;
  const { name, testedBy } = trigger.description.credentials![0]!;
  expect(name).toBe('gencoveWebhookSecretApi');
  const check = trigger.methods!.credentialTest![testedBy as string]!;
  const run = (secret: string) =>
    check.call(
      {} as ICredentialTestFunctions,
      {
        id: '3',
        name: 'webhook secret',
        type: 'gencoveWebhookSecretApi',
        data: { secret },
      } as ICredentialsDecrypted,
    );
  expect(await run('whsec-test-7f3a')).toEqual({
    status: 'OK',
    message: 'The secret can verify signatures',
  });
  expect((await run('')).status).toBe('Error');
  expect(await run(' whsec-pasted-with-a-space')).toEqual({
    status: 'Error',
    message: 'The webhook secret has leading or trailing spaces',
  });
});
