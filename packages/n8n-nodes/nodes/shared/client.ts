import { GencoveClient } from '@gencove/core';
import type {
  ICredentialDataDecryptedObject,
  IExecuteFunctions,
  ILoadOptionsFunctions,
  INodeProperties,
  IPollFunctions,
} from 'n8n-workflow';

export type Authentication = 'apiKey' | 'emailPassword';

export const CREDENTIAL_OF: Record<Authentication, string> = {
  apiKey: 'gencoveApi',
  emailPassword: 'gencoveEmailApi',
};

/** The `authentication` parameter shared by the Gencove node and the polling trigger. */
export const authenticationProperty: INodeProperties = {
  displayName: 'Authentication',
  name: 'authentication',
  type: 'options',
  options: [
    { name: 'API Key', value: 'apiKey' },
    { name: 'Email and Password', value: 'emailPassword' },
  ],
  default: 'apiKey',
};

export const credentialsOf = [
  {
    name: 'gencoveApi',
    required: true,
    displayOptions: { show: { authentication: ['apiKey'] } },
  },
  {
    name: 'gencoveEmailApi',
    required: true,
    displayOptions: { show: { authentication: ['emailPassword'] } },
  },
];

type ClientContext = IExecuteFunctions | IPollFunctions | ILoadOptionsFunctions;

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;

/**
 * A core client for the credential chosen by the node's `authentication` parameter. Every
 * request, retry, token refresh and redaction is core's; the caller closes the client.
 */
export async function createClient(
  ctx: ClientContext,
  authentication: Authentication,
): Promise<GencoveClient> {
  const credentials: ICredentialDataDecryptedObject = await ctx.getCredentials(
    CREDENTIAL_OF[authentication],
  );
  const host = text(credentials.host);
  const s3Endpoint = text(credentials.s3Endpoint);
  return new GencoveClient({
    ...(host ? { host } : {}),
    ...(s3Endpoint ? { s3Endpoint } : {}),
    ...(authentication === 'apiKey'
      ? { apiKey: String(credentials.apiKey ?? '') }
      : { email: String(credentials.email ?? ''), password: String(credentials.password ?? '') }),
    userAgent: 'n8n-nodes-gencove',
  });
}
