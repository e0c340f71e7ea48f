import {
  importUrls,
  type MapFileGroup,
  type ParsedMapFile,
  parseFastqUrl,
  parseMapFile,
} from '@gencove/core';
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { toNodeError } from '../../shared/errors';
import { asJson, jsonParameter, requiredText } from './common';
import type { BatchOperation } from './types';

const FASTQ_URL = /\.(fastq|fq)\.b?gz$/;

/**
 * Import From URLs: every item's URLs form one map (one destination, one assignment), so the
 * import is all-or-nothing like `gencove upload map.fastq-map.csv`. Output: one item per input
 * item with the uploads (and samples) that came from it.
 */
export const importUrlsForItems: BatchOperation = async (ctx, client, items, signal) => {
  const source = ctx.getNodeParameter('urlSource', 0, 'fields') as string;
  const groupsOfItem: MapFileGroup[][] = [];
  for (let i = 0; i < items.length; i++) {
    groupsOfItem.push(
      source === 'mapFile' ? (await mapFileOf(ctx, i)).groups : groupsFromFields(ctx, i),
    );
  }
  const map: ParsedMapFile = {
    file: source === 'mapFile' ? 'the map files of the input items' : 'the input items',
    kind: 'url',
    groups: groupsOfItem.flat(),
  };
  const destination = String(ctx.getNodeParameter('destination', 0, '')).trim();
  const assign = ctx.getNodeParameter('assign', 0, false) as boolean;
  const metadata = assign ? jsonParameter(ctx, 'metadata', 0) : { given: false, value: undefined };
  try {
    const result = await importUrls(client, {
      map,
      ...(destination ? { destination } : {}),
      ...(assign ? { projectId: requiredText(ctx, 'projectId', 0) } : {}),
      ...(metadata.given ? { metadata: metadata.value } : {}),
      ...(signal ? { signal } : {}),
    });
    return groupsOfItem.map((groups, itemIndex): INodeExecutionData => {
      const ids = new Set(groups.map((g) => `${g.clientId}\u0000${g.read}`));
      const uploads = result.uploads.filter((u) => ids.has(`${u.clientId}\u0000${u.read}`));
      const clientIds = new Set(groups.map((g) => g.clientId));
      const samples = result.samples?.filter((s) => clientIds.has(s.client_id));
      return {
        ...asJson({
          destination: result.destination,
          uploads,
          ...(samples ? { samples } : {}),
          ...(result.warnings.length > 0 ? { warnings: result.warnings } : {}),
        }),
        pairedItem: { item: itemIndex },
      };
    });
  } catch (error) {
    throw toNodeError(ctx.getNode(), error);
  }
};

function groupsFromFields(ctx: IExecuteFunctions, itemIndex: number): MapFileGroup[] {
  const clientId = requiredText(ctx, 'clientId', itemIndex);
  if (/[_/]/.test(clientId) || clientId.trim() !== clientId) {
    throw new NodeOperationError(
      ctx.getNode(),
      `Client ID "${clientId}" must not contain "_", "/" or surrounding spaces (uploads are named <client_id>_R1.fastq.gz)`,
      { itemIndex },
    );
  }
  const groups: MapFileGroup[] = [];
  for (const [read, name] of [
    ['R1', 'r1Url'],
    ['R2', 'r2Url'],
  ] as const) {
    const url = String(ctx.getNodeParameter(name, itemIndex, '') ?? '').trim();
    if (url === '' && read === 'R2') continue;
    const parsed = parseFastqUrl(url);
    if (!parsed || !FASTQ_URL.test(parsed.pathname)) {
      throw new NodeOperationError(
        ctx.getNode(),
        `${read} URL of ${clientId} must be an http(s) URL of a file ending in .fastq.gz, .fastq.bgz, .fq.gz or .fq.bgz`,
        { itemIndex },
      );
    }
    groups.push({ clientId, read, paths: [url], lines: [itemIndex + 1] });
  }
  return groups;
}

/** The map file must be stored on disk by n8n (filesystem binary mode, n8n's default). */
async function mapFileOf(ctx: IExecuteFunctions, itemIndex: number): Promise<ParsedMapFile> {
  const property = requiredText(ctx, 'mapFileProperty', itemIndex);
  const binary = ctx.helpers.assertBinaryData(itemIndex, property);
  const path = binary.id ? ctx.helpers.getBinaryPath(binary.id) : undefined;
  if (!path) {
    throw new NodeOperationError(
      ctx.getNode(),
      'The map file must be stored by n8n on disk (binary data mode "filesystem", the default)',
      { itemIndex },
    );
  }
  try {
    const map = await parseMapFile(path);
    if (map.kind !== 'url') {
      throw new NodeOperationError(
        ctx.getNode(),
        `Map file ${binary.fileName ?? property} lists local paths; only URLs can be imported from n8n`,
        { itemIndex },
      );
    }
    return map;
  } catch (error) {
    throw toNodeError(ctx.getNode(), error, itemIndex);
  }
}
