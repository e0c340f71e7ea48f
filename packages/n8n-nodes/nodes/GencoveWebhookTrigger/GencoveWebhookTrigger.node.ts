import {
  signWebhook,
  verifyWebhookSignature,
  WEBHOOK_SIGNATURE_HEADER,
  WebhookSignatureError,
} from '@gencove/core';
import type {
  ICredentialsDecrypted,
  ICredentialTestFunctions,
  IDataObject,
  IHookFunctions,
  INodeCredentialTestResult,
  INodeExecutionData,
  INodeType,
  INodeTypeDescription,
  IWebhookFunctions,
  IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { eventsToItems } from './events';

export class GencoveWebhookTrigger implements INodeType {
  description: INodeTypeDescription = {
    displayName: 'Gencove Webhook Trigger',
    name: 'gencoveWebhookTrigger',
    icon: { light: 'file:gencove.svg', dark: 'file:gencove.dark.svg' },
    group: ['trigger'],
    version: 1,
    subtitle: '={{"signed events, tolerance " + $parameter["toleranceSeconds"] + " s"}}',
    description: 'Starts the workflow on signed Gencove webhooks (one item per sample event)',
    defaults: { name: 'Gencove Webhook Trigger' },
    inputs: [],
    outputs: [NodeConnectionTypes.Main],
    credentials: [
      { name: 'gencoveWebhookSecretApi', required: true, testedBy: 'gencoveWebhookSecretTest' },
    ],
    webhooks: [
      { name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'gencove' },
    ],
    properties: [
      {
        displayName:
          "Set this node's production URL as the webhook URL of your Gencove project (Gencove web UI, project settings), with the same secret as the credential",
        name: 'notice',
        type: 'notice',
        default: '',
      },
      {
        displayName: 'Timestamp Tolerance (Seconds)',
        name: 'toleranceSeconds',
        type: 'number',
        typeOptions: { minValue: 0 },
        default: 300,
        description:
          'Reject deliveries whose signed timestamp is further than this from now (replay protection); 0 disables the check',
      },
    ],
  };

  methods = {
    credentialTest: {
      /** No API call can check a webhook secret: check that it can sign and verify a payload. */
      async gencoveWebhookSecretTest(
        this: ICredentialTestFunctions,
        credential: ICredentialsDecrypted,
      ): Promise<INodeCredentialTestResult> {
        const secret = String(credential.data?.secret ?? '');
        if (secret.trim() === '')
          return { status: 'Error', message: 'The webhook secret is empty' };
        if (secret.trim() !== secret) {
          return { status: 'Error', message: 'The webhook secret has leading or trailing spaces' };
        }
        const body = '[{"event_id": "credential-test"}]';
        verifyWebhookSignature({ secret, header: signWebhook(secret, body), body });
        return { status: 'OK', message: 'The secret can verify signatures' };
      },
    },
  };

  /**
   * Gencove has no API to register webhooks: the URL and secret are set per project in its web
   * UI. There is nothing to create or delete remotely, so the lifecycle only reports success.
   */
  webhookMethods = {
    default: {
      async checkExists(this: IHookFunctions): Promise<boolean> {
        return true;
      },
      async create(this: IHookFunctions): Promise<boolean> {
        return true;
      },
      async delete(this: IHookFunctions): Promise<boolean> {
        return true;
      },
    },
  };

  async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
    const req = this.getRequestObject() as ReturnType<IWebhookFunctions['getRequestObject']> & {
      rawBody?: Buffer;
    };
    const res = this.getResponseObject();
    const { secret } = await this.getCredentials<{ secret: string }>('gencoveWebhookSecretApi');
    const tolerance = this.getNodeParameter('toleranceSeconds', 300) as number;
    const header = req.header(WEBHOOK_SIGNATURE_HEADER) ?? '';
    const rawBody = req.rawBody ?? Buffer.alloc(0);
    try {
      verifyWebhookSignature({
        secret,
        header,
        body: rawBody,
        ...(tolerance > 0 ? { toleranceSeconds: tolerance } : {}),
      });
    } catch (error) {
      const reason = error instanceof WebhookSignatureError ? error.reason : 'malformed-header';
      this.logger.warn(`Gencove webhook rejected: ${reason}`);
      res.status(401).json({ error: 'invalid signature', reason });
      return { noWebhookResponse: true };
    }
    let events: unknown;
    try {
      events = JSON.parse(rawBody.toString('utf8'));
    } catch {
      res.status(400).json({ error: 'the body is not JSON' });
      return { noWebhookResponse: true };
    }
    const items: INodeExecutionData[] = eventsToItems(events).map((json: IDataObject) => ({
      json,
    }));
    if (items.length === 0) {
      res.status(200).json({ received: 0 });
      return { noWebhookResponse: true };
    }
    return { workflowData: [items] };
  }
}
