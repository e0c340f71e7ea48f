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
import {
  claimEvents,
  DEFAULT_MAX_EVENTS,
  DEFAULT_WINDOW_HOURS,
  forgetNode,
  STATIC_DATA_KEY,
  sharedDedupeMemory,
} from './dedupe';
import { eventsToItems } from './events';

/** Key of one trigger node's remembered event ids in this process. */
const dedupeKey = (ctx: IHookFunctions | IWebhookFunctions): string => {
  const node = ctx.getNode();
  return `${ctx.getWorkflow().id ?? ''}/${node.id ?? node.name}`;
};

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
      {
        displayName: 'Ignore Duplicate Events',
        name: 'deduplicate',
        type: 'boolean',
        default: true,
        description:
          'Whether to drop events whose event_id was already received (Gencove may deliver an event twice). A duplicate is still answered 200; a delivery with only duplicates starts nothing.',
      },
      {
        displayName: 'Remember Last N Events',
        name: 'dedupeMaxEvents',
        type: 'number',
        typeOptions: { minValue: 1 },
        default: DEFAULT_MAX_EVENTS,
        description:
          'How many event IDs to remember (in the workflow static data); the oldest are forgotten first',
        displayOptions: { show: { deduplicate: [true] } },
      },
      {
        displayName: 'Remember Events For (Hours)',
        name: 'dedupeWindowHours',
        type: 'number',
        typeOptions: { minValue: 0 },
        default: DEFAULT_WINDOW_HOURS,
        description:
          'Event IDs older than this are forgotten, so a later redelivery starts the workflow again; 0 = no age limit',
        displayOptions: { show: { deduplicate: [true] } },
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
        // the static data keeps the ids: a re-activated workflow still ignores redeliveries
        forgetNode(sharedDedupeMemory(), dedupeKey(this));
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
    const received = Array.isArray(events) ? events : [events];
    let fresh: unknown[] = received;
    let duplicates = 0;
    // "Listen for test event" neither checks nor records ids: a test delivery can be sent again
    if (this.getMode() !== 'manual' && this.getNodeParameter('deduplicate', true) === true) {
      const staticData = this.getWorkflowStaticData('node');
      const claim = claimEvents({
        memory: sharedDedupeMemory(),
        key: dedupeKey(this),
        stored: staticData[STATIC_DATA_KEY],
        events: received,
        now: Date.now(),
        bounds: {
          maxEvents: this.getNodeParameter('dedupeMaxEvents', DEFAULT_MAX_EVENTS) as number,
          windowMs:
            (this.getNodeParameter('dedupeWindowHours', DEFAULT_WINDOW_HOURS) as number) *
            3_600_000,
        },
      });
      ({ fresh, duplicates } = claim);
      if (claim.store) staticData[STATIC_DATA_KEY] = claim.store as unknown as IDataObject[];
      if (duplicates > 0) {
        this.logger.info(`Gencove webhook: ignored ${duplicates} already received event(s)`);
      }
    }
    const items: INodeExecutionData[] = eventsToItems(fresh).map((json: IDataObject) => ({
      json,
    }));
    if (items.length === 0) {
      // 200 so that Gencove stops retrying; nothing to run
      res.status(200).json({ received: received.length, duplicates });
      return { noWebhookResponse: true };
    }
    return { workflowData: [items] };
  }
}
