import type { ICredentialType, Icon, INodeProperties } from 'n8n-workflow';

/**
 * The shared secret Gencove signs webhooks with (spec §12). It is tested locally by the
 * Gencove Webhook Trigger node (`testedBy`): there is no API call that could check it.
 */
export class GencoveWebhookSecretApi implements ICredentialType {
  name = 'gencoveWebhookSecretApi';

  displayName = 'Gencove Webhook Secret API';

  icon: Icon = { light: 'file:gencove.svg', dark: 'file:gencove.dark.svg' };

  documentationUrl =
    'https://github.com/gencove-toolkit/gencove-toolkit/tree/main/packages/n8n-nodes#webhook-trigger';

  properties: INodeProperties[] = [
    {
      displayName: 'Webhook Secret',
      name: 'secret',
      type: 'string',
      typeOptions: { password: true },
      required: true,
      default: '',
      description: "The secret shown with the project's webhook settings in the Gencove web UI",
    },
  ];
}
