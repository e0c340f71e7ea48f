import type { ProjectSampleFilters } from '@gencove/core';
import type { IDataObject } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import {
  asJson,
  collect,
  idParameter,
  jsonParameter,
  limitOf,
  requiredText,
  splitList,
} from './common';
import type { ItemOperation } from './types';

export const runSampleOperation: ItemOperation = async (
  ctx,
  client,
  operation,
  itemIndex,
  signal,
) => {
  const options = { signal };
  switch (operation) {
    case 'getAll': {
      const projectId = idParameter(ctx, 'projectId', itemIndex);
      const filters = ctx.getNodeParameter('filters', itemIndex, {}) as IDataObject;
      const query: ProjectSampleFilters = {};
      for (const [key, value] of Object.entries(filters)) {
        if (value !== '' && value !== undefined) Object.assign(query, { [key]: value });
      }
      const listing = client.listProjectSamples(projectId, { ...query, signal });
      return (await collect(listing, limitOf(ctx, itemIndex))).map(asJson);
    }
    case 'get': {
      const sampleId = idParameter(ctx, 'sampleId', itemIndex);
      return [asJson(await client.getSample(sampleId, options))];
    }
    case 'getQc': {
      const sampleId = idParameter(ctx, 'sampleId', itemIndex);
      const results = await client.getSampleQc(sampleId, options);
      return [asJson({ sampleId, results })];
    }
    case 'getMetadata': {
      const sampleId = idParameter(ctx, 'sampleId', itemIndex);
      return [asJson({ sampleId, metadata: await client.getSampleMetadata(sampleId, options) })];
    }
    case 'setMetadata': {
      const sampleId = idParameter(ctx, 'sampleId', itemIndex);
      const { value } = jsonParameter(ctx, 'metadata', itemIndex);
      const metadata = await client.setSampleMetadata(sampleId, value ?? null, options);
      return [asJson({ sampleId, metadata })];
    }
    case 'restore': {
      const projectId = idParameter(ctx, 'projectId', itemIndex);
      const scope = ctx.getNodeParameter('restoreScope', itemIndex, 'selected') as string;
      // An empty list asks the API to restore every archived sample (spec §7.5): only on request.
      const sampleIds =
        scope === 'allArchived' ? [] : splitList(requiredText(ctx, 'sampleIds', itemIndex));
      await client.restoreSamples(projectId, sampleIds, options);
      return [
        asJson({
          projectId,
          restoreRequested: scope === 'allArchived' ? 'all archived samples' : sampleIds,
        }),
      ];
    }
    default:
      throw new NodeOperationError(ctx.getNode(), `Unknown sample operation "${operation}"`, {
        itemIndex,
      });
  }
};
