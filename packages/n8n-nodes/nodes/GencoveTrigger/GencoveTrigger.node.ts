import {
  analysisPhase,
  type GencoveClient,
  normalizeUuid,
  pollSamples,
  type SampleStatusEvent,
  type WatchState,
} from '@gencove/core';
import type {
  IDataObject,
  INodeExecutionData,
  INodeType,
  INodeTypeDescription,
  IPollFunctions,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';
import {
  type Authentication,
  authenticationProperty,
  createClient,
  credentialsOf,
} from '../shared/client';
import { toNodeError } from '../shared/errors';
import { searchProjects } from '../shared/list-search';
import { locatorId, locatorProperty } from '../shared/locators';

/** What the trigger keeps in the workflow's static data between polls. */
interface TriggerMemory extends IDataObject {
  watchState?: IDataObject;
}

export class GencoveTrigger implements INodeType {
  description: INodeTypeDescription = {
    displayName: 'Gencove Trigger',
    name: 'gencoveTrigger',
    icon: { light: 'file:gencove.svg', dark: 'file:gencove.dark.svg' },
    group: ['trigger'],
    // 2: Project is a Resource Locator (list, ID, URL); 1 keeps its plain ID field
    version: [1, 2],
    defaultVersion: 2,
    subtitle: '={{"samples " + $parameter["statuses"].join(", ")}}',
    description: 'Starts the workflow when samples of a Gencove project reach chosen statuses',
    defaults: { name: 'Gencove Trigger' },
    polling: true,
    inputs: [],
    outputs: [NodeConnectionTypes.Main],
    credentials: credentialsOf,
    properties: [
      authenticationProperty,
      {
        displayName: 'Project ID',
        name: 'projectId',
        type: 'string',
        required: true,
        default: '',
        placeholder: '75d75eda-5424-4249-9206-60ecef0c55b1',
        displayOptions: { show: { '@version': [1] } },
      },
      locatorProperty('project', 'projectId', {
        description: 'The Gencove project to watch',
        displayOptions: { show: { '@version': [{ _cnd: { gte: 2 } }] } },
      }),
      {
        displayName: 'Statuses',
        name: 'statuses',
        type: 'multiOptions',
        options: [
          { name: 'Failed', value: 'failed' },
          { name: 'Failed QC', value: 'failed qc' },
          { name: 'Running', value: 'running' },
          { name: 'Succeeded', value: 'succeeded' },
        ],
        default: ['succeeded', 'failed qc'],
        description: 'Emit a sample when its analysis reaches one of these statuses',
      },
      {
        displayName: 'Include Samples Finished Before Activation',
        name: 'includeExisting',
        type: 'boolean',
        default: false,
        description:
          'Whether the first poll after activation emits the samples already in these statuses (a backlog); otherwise it only records them',
      },
    ],
  };

  methods = { listSearch: { searchProjects } };

  async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
    const projectId = watchedProject(this);
    const statuses = (this.getNodeParameter('statuses', []) as string[]).map(phaseOf);
    const authentication = this.getNodeParameter('authentication', 'apiKey') as Authentication;
    if (statuses.length === 0) {
      throw new NodeOperationError(this.getNode(), 'Choose at least one status');
    }
    const client = await createClient(this, authentication);
    try {
      if (this.getMode() === 'manual') return await sampleItem(this, client, projectId, statuses);
      const memory = this.getWorkflowStaticData('node') as TriggerMemory;
      // A plain copy: n8n hands saved static data back wrapped in its change-tracking proxy
      // (ObservableObject), which core's structuredClone cannot copy — every poll after n8n
      // restarted or re-activated the workflow failed with "#<Object> could not be cloned".
      let state = memory.watchState
        ? (JSON.parse(JSON.stringify(memory.watchState)) as WatchState)
        : undefined;
      // A changed project starts over (core refuses a state saved for another selection).
      if (state && state.projectId !== projectId) state = undefined;
      const includeExisting = this.getNodeParameter('includeExisting', false) as boolean;
      const result = await pollSamples(
        client,
        { projectId },
        { ...(state ? { state } : {}), emitInitial: includeExisting },
      );
      memory.watchState = result.state as unknown as IDataObject;
      const items = result.events
        .filter(
          (e): e is SampleStatusEvent =>
            e.type === 'status' &&
            e.status !== e.previousStatus &&
            statuses.includes(phaseOf(e.status ?? '')),
        )
        .map((e) => ({ json: toItem(projectId, e) }));
      return items.length > 0 ? [items] : null;
    } catch (error) {
      throw toNodeError(this.getNode(), error);
    } finally {
      await client.close();
    }
  }
}

/** The project's canonical ID (so that the saved state matches however it was entered). */
function watchedProject(ctx: IPollFunctions): string {
  try {
    return normalizeUuid(locatorId(ctx.getNodeParameter('projectId', ''), 'project'), 'projectId');
  } catch (error) {
    throw new NodeOperationError(
      ctx.getNode(),
      `The parameter "projectId": ${(error as Error).message}`,
    );
  }
}

/** Statuses compared the way core reads them (`failed_qc`, `Failed QC` … are `failed qc`). */
function phaseOf(status: string): string {
  const phase = analysisPhase(status);
  return phase === 'in-progress' ? status.trim().toLowerCase() : phase;
}

function toItem(projectId: string, e: SampleStatusEvent): IDataObject {
  return {
    projectId,
    sampleId: e.sampleId,
    clientId: e.clientId,
    status: e.status,
    previousStatus: e.previousStatus,
    archiveStatus: e.archiveStatus,
    ...(e.note ? { note: e.note } : {}),
    observedAt: e.at,
  };
}

/** Manual mode ("Fetch Test Event"): the most recently modified sample in a chosen status. */
async function sampleItem(
  ctx: IPollFunctions,
  client: GencoveClient,
  projectId: string,
  statuses: string[],
): Promise<INodeExecutionData[][] | null> {
  for await (const sample of client.listProjectSamples(projectId, { sortBy: 'modified' })) {
    const status = sample.last_status?.status ?? '';
    if (!statuses.includes(phaseOf(status))) continue;
    return [
      [
        {
          json: {
            projectId,
            sampleId: sample.id,
            clientId: sample.client_id ?? null,
            status,
            previousStatus: null,
            archiveStatus: sample.archive_last_status?.status ?? null,
            ...(sample.last_status?.note ? { note: sample.last_status.note } : {}),
            observedAt: new Date().toISOString(),
          },
        },
      ],
    ];
  }
  ctx.logger.info(`Gencove Trigger: no sample of project ${projectId} is in a chosen status yet`);
  return null;
}
