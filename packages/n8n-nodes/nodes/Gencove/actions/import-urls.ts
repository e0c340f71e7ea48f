import {
  formatMapFile,
  importUrls,
  MapFileError,
  type MapFileGroup,
  type MapFileRow,
  type ParsedMapFile,
  parseMapFileContent,
} from '@gencove/core';
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { toNodeError } from '../../shared/errors';
import { asJson, idParameter, jsonParameter, requiredText } from './common';
import type { BatchOperation } from './types';

/**
 * Import From URLs: every item's URLs form one map (one destination, one assignment), so the
 * import is all-or-nothing like `gencove upload map.fastq-map.csv`. Item fields and map files
 * are both checked by core's map-file parser (URLs only: nothing on the n8n host is looked at).
 * Output: one item per input item with the uploads (and samples) that came from it.
 *
 * With "Continue On Fail", an item whose fields or map file are rejected becomes `{ error }`
 * (paired with its input) and the other items are imported; a failure of the import itself is
 * reported on every item.
 */
export const importUrlsForItems: BatchOperation = async (ctx, client, items, signal) => {
  const failures = ctx.continueOnFail() ? new Map<number, Error>() : undefined;
  const source = ctx.getNodeParameter('urlSource', 0, 'fields') as string;
  const groupsOfItem =
    source === 'mapFile'
      ? await mapFileGroups(ctx, items.length, failures)
      : await groupsFromFields(ctx, items.length, failures);
  const map: ParsedMapFile = {
    file: source === 'mapFile' ? 'the map files of the input items' : 'the input items',
    kind: 'url',
    groups: groupsOfItem.flat(),
  };
  const destination = String(ctx.getNodeParameter('destination', 0, '')).trim();
  const assign = ctx.getNodeParameter('assign', 0, false) as boolean;
  const errorItem = (itemIndex: number, error: Error): INodeExecutionData => ({
    json: { error: (failures?.get(itemIndex) ?? error).message },
    pairedItem: { item: itemIndex },
  });
  try {
    const metadata = assign
      ? jsonParameter(ctx, 'metadata', 0)
      : { given: false, value: undefined };
    if (map.groups.length === 0 && failures && failures.size > 0) {
      // every item was rejected: nothing to import
      return items.map((_, itemIndex) => errorItem(itemIndex, failures.get(itemIndex)!));
    }
    const result = await importUrls(client, {
      map,
      ...(destination ? { destination } : {}),
      ...(assign ? { projectId: idParameter(ctx, 'projectId', 0) } : {}),
      ...(metadata.given ? { metadata: metadata.value } : {}),
      ...(signal ? { signal } : {}),
    });
    return groupsOfItem.map((groups, itemIndex): INodeExecutionData => {
      const failure = failures?.get(itemIndex);
      if (failure) return errorItem(itemIndex, failure);
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
    const nodeError = toNodeError(ctx.getNode(), error);
    if (!failures) throw nodeError;
    return items.map((_, itemIndex) => errorItem(itemIndex, nodeError));
  }
};

/** Each item's map file; with `failures`, a rejected one is recorded there instead of thrown. */
async function mapFileGroups(
  ctx: IExecuteFunctions,
  count: number,
  failures: Map<number, Error> | undefined,
): Promise<MapFileGroup[][]> {
  const out: MapFileGroup[][] = [];
  for (let itemIndex = 0; itemIndex < count; itemIndex++) {
    try {
      out.push((await mapFileOf(ctx, itemIndex)).groups);
    } catch (error) {
      const nodeError = toNodeError(ctx.getNode(), error, itemIndex);
      if (!failures) throw nodeError;
      failures.set(itemIndex, nodeError);
      out.push([]);
    }
  }
  return out;
}

type ItemRow = MapFileRow & { itemIndex: number };

/**
 * The items' fields as the rows of one map file, checked by core's parser (client IDs, URLs,
 * R2 without R1, duplicates across items). Line `n` of that map is row `n - 2`; problems are
 * reported per item. With `failures`, the items with problems are recorded there and the map
 * is checked again without them.
 */
async function groupsFromFields(
  ctx: IExecuteFunctions,
  count: number,
  failures: Map<number, Error> | undefined,
): Promise<MapFileGroup[][]> {
  let rows: ItemRow[] = [];
  for (let itemIndex = 0; itemIndex < count; itemIndex++) {
    try {
      rows.push(...rowsOfItem(ctx, itemIndex));
    } catch (error) {
      const nodeError = toNodeError(ctx.getNode(), error, itemIndex);
      if (!failures) throw nodeError;
      failures.set(itemIndex, nodeError);
    }
  }
  const groups: MapFileGroup[][] = Array.from({ length: count }, () => []);
  while (rows.length > 0) {
    const itemOfLine = (line: number) => rows[line - 2]?.itemIndex;
    let map: ParsedMapFile;
    try {
      map = await parseMapFileContent(formatMapFile(rows), {
        file: 'the input items',
        urlsOnly: true,
      });
    } catch (error) {
      if (!(error instanceof MapFileError)) throw toNodeError(ctx.getNode(), error);
      const problems = [...error.problems].sort((a, b) => a.line - b.line);
      const at = (line: number) => {
        const item = itemOfLine(line);
        return item === undefined ? '' : `Item ${item}: `;
      };
      const items = new Set(problems.map((p) => itemOfLine(p.line)));
      if (!failures || problems.length === 0 || items.has(undefined)) {
        const first = problems[0];
        throw new NodeOperationError(
          ctx.getNode(),
          first ? `${at(first.line)}${first.message}` : error.message,
          {
            ...(first && itemOfLine(first.line) !== undefined
              ? { itemIndex: itemOfLine(first.line) }
              : {}),
            description: problems.map((p) => `${at(p.line)}${p.message}`).join('\n'),
          },
        );
      }
      for (const itemIndex of items as Set<number>) {
        const own = problems.filter((p) => itemOfLine(p.line) === itemIndex);
        failures.set(
          itemIndex,
          new NodeOperationError(ctx.getNode(), `Item ${itemIndex}: ${own[0]!.message}`, {
            itemIndex,
            description: own.map((p) => p.message).join('\n'),
          }),
        );
      }
      rows = rows.filter((row) => !items.has(row.itemIndex));
      continue;
    }
    for (const group of map.groups) groups[itemOfLine(group.lines[0] ?? 0) ?? 0]?.push(group);
    break;
  }
  return groups;
}

/** One item's client ID and URLs as map-file rows (R2 optional). */
function rowsOfItem(ctx: IExecuteFunctions, itemIndex: number): ItemRow[] {
  const rows: ItemRow[] = [];
  const clientId = String(ctx.getNodeParameter('clientId', itemIndex, '') ?? '');
  for (const [read, name] of [
    ['R1', 'r1Url'],
    ['R2', 'r2Url'],
  ] as const) {
    const url = String(ctx.getNodeParameter(name, itemIndex, '') ?? '');
    if (url.trim() === '') {
      if (read === 'R2') continue; // single-end
      throw new NodeOperationError(ctx.getNode(), `Item ${itemIndex}: the R1 URL is empty`, {
        itemIndex,
      });
    }
    rows.push({ clientId, read, path: url, itemIndex });
  }
  return rows;
}

/** The item's map file (any binary data mode: map files are small), parsed by core, URLs only. */
async function mapFileOf(ctx: IExecuteFunctions, itemIndex: number): Promise<ParsedMapFile> {
  const property = requiredText(ctx, 'mapFileProperty', itemIndex);
  const binary = ctx.helpers.assertBinaryData(itemIndex, property);
  try {
    const text = (await ctx.helpers.getBinaryDataBuffer(itemIndex, property)).toString('utf8');
    return await parseMapFileContent(text, {
      file: binary.fileName ?? `the "${property}" binary data`,
      urlsOnly: true,
    });
  } catch (error) {
    throw toNodeError(ctx.getNode(), error, itemIndex);
  }
}
