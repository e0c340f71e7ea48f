import {
  ArchivedSamplesError,
  ChecksumMismatchError,
  createFileTypeFilter,
  type DeliverableFile,
  defaultFilename,
  downloadUrlsEntry,
  type GencoveClient,
  invalidFileTypes,
  METADATA_FILE_TYPE,
  QC_FILE_TYPE,
  type SampleDetail,
  streamSampleFile,
} from '@gencove/core';
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { toNodeError } from '../../shared/errors';
import { asJson, idParameter, requiredText, splitList } from './common';
import type { ItemOperation } from './types';

export const runDeliverableOperation: ItemOperation = async (
  ctx,
  client,
  operation,
  itemIndex,
  signal,
) => {
  const sampleId = idParameter(ctx, 'sampleId', itemIndex);
  const sample = await client.getSample(sampleId, { signal });
  switch (operation) {
    case 'download': {
      const files = selectFiles(ctx, sample, itemIndex);
      const property = requiredText(ctx, 'binaryPropertyName', itemIndex);
      const out: INodeExecutionData[] = [];
      for (const file of files) {
        out.push(await downloadFile(ctx, client, sample, file, property, itemIndex, signal));
      }
      return out;
    }
    case 'getUrls':
      // the spec §9.8 entry, exactly as `gencove download --download-urls` writes it
      return [asJson(downloadUrlsEntry(sample, fileFilter(ctx, sample, itemIndex, false)))];
    case 'getChecksum': {
      const fileType = requiredText(ctx, 'fileType', itemIndex);
      const file = sample.files.find((f) => f.file_type === fileType);
      if (!file) {
        throw new NodeOperationError(ctx.getNode(), `Sample ${sampleId} has no ${fileType} file`, {
          itemIndex,
          description: `Its file types: ${typesOf(sample, false)}`,
        });
      }
      const fileName = fileNameOf(sample, file);
      const line = await client.getFileChecksum(file.id, fileName, { signal });
      // `<sha256>  <file name>` (spec §11); anything else is passed on as `line` only
      const digest = line.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
      return [
        asJson({
          sampleId,
          fileId: file.id,
          fileType,
          fileName,
          sha256: /^[0-9a-f]{64}$/.test(digest) ? digest : null,
          line,
        }),
      ];
    }
    default:
      throw new NodeOperationError(ctx.getNode(), `Unknown deliverable operation "${operation}"`, {
        itemIndex,
      });
  }
};

/** The QC and metadata JSON files, which every sample has (spec §9.7), as `download` writes them. */
const JSON_FILE_TYPES = [QC_FILE_TYPE, METADATA_FILE_TYPE];

const typesOf = (sample: SampleDetail, withJson: boolean) =>
  [...sample.files.map((f) => f.file_type), ...(withJson ? JSON_FILE_TYPES : [])].join(', ') ||
  'none (analysis not finished?)';

/**
 * File types: core's filter (each entry selects exactly that type; a trailing `*` selects by
 * prefix, the CLI's decision on the spec §9.1 prefix quirk). Empty selects every file. `qc` and
 * `metadata` are files of Download only (Get Download URLs has no URL for them).
 */
function fileFilter(
  ctx: IExecuteFunctions,
  sample: SampleDetail,
  itemIndex: number,
  withJson: boolean,
) {
  const wanted = splitList(String(ctx.getNodeParameter('fileTypes', itemIndex, '') ?? ''));
  const unknown = invalidFileTypes(wanted, [
    ...sample.files.map((f) => f.file_type ?? ''),
    ...(withJson ? JSON_FILE_TYPES : []),
  ]);
  if (unknown.length > 0) {
    throw new NodeOperationError(
      ctx.getNode(),
      `Sample ${sample.id} has no file of type ${unknown.join(', ')}`,
      { itemIndex, description: `Its file types: ${typesOf(sample, withJson)}` },
    );
  }
  return createFileTypeFilter(wanted);
}

/** One file Download delivers: a deliverable, or the QC / metadata JSON made from the API. */
interface SelectedFile {
  fileType: string;
  fileName: string;
  file?: DeliverableFile;
}

/** What `gencove download` delivers for the sample under the same filter, in the same order. */
function selectFiles(
  ctx: IExecuteFunctions,
  sample: SampleDetail,
  itemIndex: number,
): SelectedFile[] {
  const filter = fileFilter(ctx, sample, itemIndex, true);
  const selected: SelectedFile[] = sample.files
    .filter((f) => f.file_type && filter.admits(f.file_type))
    .map((file) => ({ fileType: file.file_type ?? '', fileName: fileNameOf(sample, file), file }));
  // A sample without deliverables yet (analysis running) gets no QC / metadata items unless
  // they are asked for by name: its QC may not exist yet.
  const named = (filter.requested?.length ?? 0) > 0;
  for (const fileType of JSON_FILE_TYPES) {
    if (filter.admits(fileType) && (named || sample.files.length > 0)) {
      selected.push({ fileType, fileName: `${sample.id}_${fileType}.json` });
    }
  }
  return selected;
}

/**
 * Spec §9.3 default file name (core's `defaultFilename`), made safe to use as a binary file name:
 * no path separators, never empty, `.` or `..`.
 */
function fileNameOf(sample: SampleDetail, file: DeliverableFile): string {
  const name = defaultFilename(file.download_url ?? '').replace(/[/\\]/g, '_');
  return name === '' || name === '.' || name === '..' ? `${sample.id}.${file.file_type}` : name;
}

/**
 * The media type of a deliverable. n8n guesses from the extension and falls back to
 * `text/plain`, which marks BAM, BAI, TBI or CRAM files as text; and the general tables map
 * `.vcf` to vCard. The handful of kinds Gencove delivers are listed here instead.
 */
export function mimeTypeOf(fileName: string): string {
  const name = fileName.toLowerCase();
  if (name.endsWith('.gz') || name.endsWith('.bgz')) return 'application/gzip';
  if (name.endsWith('.json')) return 'application/json';
  if (name.endsWith('.pdf')) return 'application/pdf';
  if (name.endsWith('.csv')) return 'text/csv';
  if (name.endsWith('.tsv')) return 'text/tab-separated-values';
  if (name.endsWith('.txt')) return 'text/plain';
  return 'application/octet-stream';
}

/**
 * Streams one deliverable into n8n's binary storage with core's `streamSampleFile`: the
 * presigned URL is renewed on 403, dropped connections resume, and the SHA-256 the API gives is
 * checked before the stream ends — a corrupted file fails the item instead of being stored.
 */
async function downloadFile(
  ctx: IExecuteFunctions,
  client: GencoveClient,
  sample: SampleDetail,
  selected: SelectedFile,
  property: string,
  itemIndex: number,
  signal: AbortSignal | undefined,
): Promise<INodeExecutionData> {
  const { fileType, fileName, file } = selected;
  const { stream, done } = streamSampleFile(client, {
    sampleId: sample.id,
    fileType,
    ...(signal ? { signal } : {}),
  });
  try {
    const [binary, outcome] = await Promise.all([
      ctx.helpers.prepareBinaryData(stream, fileName, mimeTypeOf(fileName)),
      done,
    ]);
    return {
      json: {
        sampleId: sample.id,
        clientId: sample.client_id ?? null,
        fileId: file?.id ?? null,
        fileType,
        fileName,
        bytes: outcome.bytes,
        sha256: outcome.sha256 ?? null,
        verified: outcome.verified,
      },
      binary: { [property]: binary },
      pairedItem: { item: itemIndex },
    };
  } catch (error) {
    // The stream fails with the transfer's error: report that one, not the consumer's; but
    // when the consumer (the binary store) failed first, the transfer only saw its stream go
    // away, and the store's error is the cause.
    const cause = await done.then(
      () => error,
      (transfer: unknown) => (consumerFailedFirst(transfer, signal) ? error : transfer),
    );
    if (cause instanceof ChecksumMismatchError) {
      throw new NodeOperationError(
        ctx.getNode(),
        `The ${fileType} of sample ${sample.id} arrived corrupted (SHA-256 mismatch)`,
        {
          itemIndex,
          description: `Expected ${cause.expected}, received ${cause.actual}.`,
        },
      );
    }
    if (cause instanceof ArchivedSamplesError) {
      throw new NodeOperationError(
        ctx.getNode(),
        `Sample ${sample.id} is archived (${cause.samples[0]?.archiveStatus ?? 'archived'})`,
        {
          itemIndex,
          description: 'Restore it first (Sample → Restore), then download it once it is restored.',
        },
      );
    }
    throw toNodeError(ctx.getNode(), cause, itemIndex);
  }
}

function consumerFailedFirst(transfer: unknown, signal: AbortSignal | undefined): boolean {
  const code = (transfer as { code?: unknown } | null)?.code;
  const name = (transfer as { name?: unknown } | null)?.name;
  return (
    code === 'ERR_GENCOVE_OUTPUT_CLOSED' ||
    ((name === 'AbortError' || code === 'ERR_GENCOVE_ABORTED') && !signal?.aborted)
  );
}
