import type {
  IExecuteFunctions,
  INodeExecutionData,
  INodeType,
  INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import {
  type Authentication,
  authenticationProperty,
  createClient,
  credentialsOf,
} from '../shared/client';
import { toNodeError } from '../shared/errors';
import { searchProjects, searchSamples } from '../shared/list-search';
import { runDeliverableOperation } from './actions/deliverable';
import { importUrlsForItems } from './actions/import-urls';
import { runProjectOperation } from './actions/project';
import { runSampleOperation } from './actions/sample';
import type { ItemOperation } from './actions/types';
import { uploadBinaryItems } from './actions/upload-binary';
import { deliverableFields, deliverableOperations } from './descriptions/deliverable';
import { projectFields, projectOperations } from './descriptions/project';
import { sampleFields, sampleOperations } from './descriptions/sample';
import { uploadFields, uploadOperations } from './descriptions/upload';

export class Gencove implements INodeType {
  description: INodeTypeDescription = {
    displayName: 'Gencove',
    name: 'gencove',
    icon: { light: 'file:gencove.svg', dark: 'file:gencove.dark.svg' },
    group: ['transform'],
    // 2: Project and Sample are Resource Locators (list, ID, URL); 1 keeps its plain ID fields
    version: [1, 2],
    defaultVersion: 2,
    subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
    description: 'Projects, samples, FASTQ uploads and deliverables of the Gencove API',
    defaults: { name: 'Gencove' },
    usableAsTool: true,
    inputs: [NodeConnectionTypes.Main],
    outputs: [NodeConnectionTypes.Main],
    credentials: credentialsOf,
    properties: [
      authenticationProperty,
      {
        displayName: 'Resource',
        name: 'resource',
        type: 'options',
        noDataExpression: true,
        options: [
          { name: 'Deliverable', value: 'deliverable' },
          { name: 'Project', value: 'project' },
          { name: 'Sample', value: 'sample' },
          { name: 'Upload', value: 'upload' },
        ],
        default: 'sample',
      },
      ...projectOperations,
      ...projectFields,
      ...sampleOperations,
      ...sampleFields,
      ...uploadOperations,
      ...uploadFields,
      ...deliverableOperations,
      ...deliverableFields,
    ],
  };

  methods = { listSearch: { searchProjects, searchSamples } };

  async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
    const items = this.getInputData();
    const resource = this.getNodeParameter('resource', 0) as string;
    const operation = this.getNodeParameter('operation', 0) as string;
    const authentication = this.getNodeParameter('authentication', 0) as Authentication;
    const signal = this.getExecutionCancelSignal();
    const client = await createClient(this, authentication);
    try {
      // Uploads are one run over every item: they share a destination and one assignment.
      if (resource === 'upload') {
        const run = operation === 'uploadBinary' ? uploadBinaryItems : importUrlsForItems;
        return [await run(this, client, items, signal)];
      }
      const perItem: Record<string, ItemOperation> = {
        project: runProjectOperation,
        sample: runSampleOperation,
        deliverable: runDeliverableOperation,
      };
      const run = perItem[resource];
      if (!run) throw toNodeError(this.getNode(), new Error(`Unknown resource "${resource}"`));
      const output: INodeExecutionData[] = [];
      for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
        try {
          const results = await run(this, client, operation, itemIndex, signal);
          output.push(...results.map((result) => ({ ...result, pairedItem: { item: itemIndex } })));
        } catch (error) {
          if (!this.continueOnFail()) throw toNodeError(this.getNode(), error, itemIndex);
          output.push({
            json: { error: toNodeError(this.getNode(), error, itemIndex).message },
            pairedItem: { item: itemIndex },
          });
        }
      }
      return [output];
    } finally {
      await client.close();
    }
  }
}
