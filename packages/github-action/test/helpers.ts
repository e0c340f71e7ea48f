import { GencoveClient } from '@gencove/core';
import type { Sandbox } from '@gencove/sandbox';

/** Connection inputs and environment pointing an action at the sandbox. */
export function sandboxInputs(sandbox: Sandbox): Record<string, string> {
  return { 'api-key': sandbox.apiKey, host: sandbox.url };
}

export function sandboxEnv(sandbox: Sandbox): Record<string, string> {
  return { GENCOVE_LOCALSTACK_S3_ENDPOINT: sandbox.s3Url };
}

/** client_id → sample id of a project, read through the real client. */
export async function samplesByClientId(
  sandbox: Sandbox,
  projectId: string,
): Promise<Map<string, string>> {
  const client = new GencoveClient({ host: sandbox.url, apiKey: sandbox.apiKey });
  try {
    const out = new Map<string, string>();
    for await (const sample of client.listProjectSamples(projectId)) {
      out.set(String(sample.client_id), sample.id);
    }
    return out;
  } finally {
    await client.close();
  }
}

export const JWT = /eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/;

/**
 * Runs `step` and returns it with the secrets the sandbox issued meanwhile: JWTs of logins and
 * refreshes, the secret key and session token of upload credentials, presigned-URL signatures.
 * The action received each of them, so each must have been masked (see `maskingViolations`).
 */
export async function withIssuedSecrets<T>(
  sandbox: Sandbox,
  step: () => Promise<T>,
): Promise<{ result: T; issued: string[] }> {
  const before = new Set(sandbox.control.issuedSecrets());
  const result = await step();
  return { result, issued: sandbox.control.issuedSecrets().filter((s) => !before.has(s)) };
}
