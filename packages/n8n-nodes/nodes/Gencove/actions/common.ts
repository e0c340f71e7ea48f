import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { locatorId } from '../../shared/locators';

/** The first `limit` items of a lazily paginated listing (all of them when `limit` is undefined). */
export async function collect<T>(listing: AsyncIterable<T>, limit?: number): Promise<T[]> {
  const out: T[] = [];
  if (limit !== undefined && limit <= 0) return out;
  for await (const item of listing) {
    out.push(item);
    if (limit !== undefined && out.length >= limit) break;
  }
  return out;
}

export const asJson = (value: unknown): INodeExecutionData => ({
  json: (value ?? {}) as IDataObject,
});

/** `returnAll` / `limit` of a Get Many operation. */
export function limitOf(ctx: IExecuteFunctions, itemIndex: number): number | undefined {
  const returnAll = ctx.getNodeParameter('returnAll', itemIndex, false) as boolean;
  return returnAll ? undefined : (ctx.getNodeParameter('limit', itemIndex, 50) as number);
}

/** A trimmed non-empty string parameter. */
export function requiredText(ctx: IExecuteFunctions, name: string, itemIndex: number): string {
  const value = String(ctx.getNodeParameter(name, itemIndex, '') ?? '').trim();
  if (value === '') {
    throw new NodeOperationError(ctx.getNode(), `The parameter "${name}" is empty`, { itemIndex });
  }
  return value;
}

/**
 * The project or sample ID of `projectId` / `sampleId`, from a Resource Locator (version 2) or a
 * plain ID field (version 1); a Gencove URL gives the ID in it. Core validates the UUID.
 */
export function idParameter(
  ctx: IExecuteFunctions,
  name: 'projectId' | 'sampleId',
  itemIndex: number,
): string {
  const kind = name === 'projectId' ? 'project' : 'sample';
  try {
    return locatorId(ctx.getNodeParameter(name, itemIndex, ''), kind);
  } catch (error) {
    throw new NodeOperationError(
      ctx.getNode(),
      `The parameter "${name}": ${(error as Error).message}`,
      { itemIndex },
    );
  }
}

/** `a, b ,c` → ['a', 'b', 'c']. */
export const splitList = (value: string): string[] =>
  value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);

/** A `json` parameter: n8n hands it over parsed or as text depending on how it was set. */
export function jsonParameter(
  ctx: IExecuteFunctions,
  name: string,
  itemIndex: number,
): { given: boolean; value: unknown } {
  const raw = ctx.getNodeParameter(name, itemIndex, '') as unknown;
  if (typeof raw !== 'string') return { given: raw !== undefined, value: raw };
  if (raw.trim() === '') return { given: false, value: undefined };
  try {
    return { given: true, value: JSON.parse(raw) };
  } catch (error) {
    throw new NodeOperationError(ctx.getNode(), `The parameter "${name}" is not valid JSON`, {
      itemIndex,
      description: (error as Error).message,
    });
  }
}
