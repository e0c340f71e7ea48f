import type {
  IAuthenticateGeneric,
  ICredentialDataDecryptedObject,
  ICredentialTestRequest,
  ICredentialType,
  Icon,
  IHttpRequestHelper,
  INodeProperties,
} from 'n8n-workflow';

/**
 * E-mail + password credential. The nodes log in through @gencove/core (JWT pair, refresh on
 * 401, spec §2.2–§2.4). `preAuthentication` exists for n8n's own requests with this
 * credential (the credential test): it obtains an access token that n8n keeps in the hidden
 * `accessToken` field and renews when a request with it answers 401. Accounts with two-factor
 * authentication cannot log in unattended; use an API key for them.
 */
export class GencoveEmailApi implements ICredentialType {
  name = 'gencoveEmailApi';

  displayName = 'Gencove Email/Password API';

  icon: Icon = { light: 'file:gencove.svg', dark: 'file:gencove.dark.svg' };

  documentationUrl =
    'https://github.com/gencove-toolkit/gencove-toolkit/tree/main/packages/n8n-nodes#credentials';

  properties: INodeProperties[] = [
    {
      displayName: 'Email',
      name: 'email',
      type: 'string',
      placeholder: 'name@example.org',
      required: true,
      default: '',
    },
    {
      displayName: 'Password',
      name: 'password',
      type: 'string',
      typeOptions: { password: true },
      required: true,
      default: '',
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
    {
      displayName: 'Access Token',
      name: 'accessToken',
      type: 'hidden',
      typeOptions: { expirable: true, password: true },
      default: '',
    },
  ];

  async preAuthentication(this: IHttpRequestHelper, credentials: ICredentialDataDecryptedObject) {
    const host = String(credentials.host).replace(/\/+$/, '');
    const response = (await this.helpers.httpRequest({
      method: 'POST',
      url: `${host}/api/v2/jwt-create/`,
      body: { email: credentials.email, password: credentials.password },
      json: true,
    })) as { access?: string };
    return { accessToken: response.access ?? '' };
  }

  authenticate: IAuthenticateGeneric = {
    type: 'generic',
    properties: {
      headers: {
        Authorization: '=Bearer {{$credentials.accessToken}}',
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
