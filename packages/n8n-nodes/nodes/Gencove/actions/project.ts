import type { HiddenStatusFilter } from '@gencove/core';
import { NodeOperationError } from 'n8n-workflow';
import { asJson, collect, idParameter, limitOf } from './common';
import type { ItemOperation } from './types';

export const runProjectOperation: ItemOperation = async (
  ctx,
  client,
  operation,
  itemIndex,
  signal,
) => {
  if (operation === 'get') {
    const projectId = idParameter(ctx, 'projectId', itemIndex);
    return [asJson(await client.getProject(projectId, { signal }))];
  }
  if (operation === 'getAll') {
    const hiddenStatus = ctx.getNodeParameter(
      'hiddenStatus',
      itemIndex,
      'visible',
    ) as HiddenStatusFilter;
    const listing = client.listProjects({ hiddenStatus, signal });
    return (await collect(listing, limitOf(ctx, itemIndex))).map(asJson);
  }
  throw new NodeOperationError(ctx.getNode(), `Unknown project operation "${operation}"`, {
    itemIndex,
  });
};
