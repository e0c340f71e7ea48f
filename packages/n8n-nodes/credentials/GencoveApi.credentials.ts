import type {
  IAuthenticateGeneric,
  ICredentialTestRequest,
  ICredentialType,
  Icon,
  INodeProperties,
} from 'n8n-workflow';

/** API-key credential (spec §2.3: `Authorization: Api-Key <key>`). */
export class GencoveApi implements ICredentialType {
  name = 'gencoveApi';

  displayName = 'Gencove API';

  icon: Icon = { light: 'file:gencove.svg', dark: 'file:gencove.dark.svg' };

  documentationUrl =
    'https://github.com/gencove-toolkit/gencove-toolkit/tree/main/packages/n8n-nodes#credentials';

  properties: INodeProperties[] = [
    {
      displayName: 'API Key',
      name: 'apiKey',
      type: 'string',
      typeOptions: { password: true },
      required: true,
      default: '',
      description: 'An API key created in the Gencove web UI (My Account → API keys)',
    },
    {
      displayName: 'Host',
      name: 'host',
      type: 'string',
      required: true,
      default: 'https://api.gencove.com',
      description: 'API origin including the scheme; any path is ignored',
    },
    {
      displayName: 'S3 Endpoint Override',
      name: 's3Endpoint',
      type: 'string',
      default: '',
      description:
        'Only for testing against a local S3 stand-in (the equivalent of GENCOVE_LOCALSTACK_S3_ENDPOINT). Leave empty for Gencove.',
    },
  ];

  authenticate: IAuthenticateGeneric = {
    type: 'generic',
    properties: {
      headers: {
        Authorization: '=Api-Key {{$credentials.apiKey}}',
      },
    },
  };

  test: ICredentialTestRequest = {
    request: {
      baseURL: '={{$credentials.host.replace(/\\/+$/, "")}}',
      url: '/api/v2/user/',
      headers: { 'Content-Type': 'application/json' },
    },
  };
}
