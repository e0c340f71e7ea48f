import {
  ArchivedSamplesError,
  ChecksumMismatchError,
  type DeliverableFile,
  defaultFilename,
  type GencoveClient,
  type SampleDetail,
  streamSampleFile,
} from '@gencove/core';
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { toNodeError } from '../../shared/errors';
import { asJson, requiredText, splitList } from './common';
import type { ItemOperation } from './types';

export const runDeliverableOperation: ItemOperation = async (
  ctx,
  client,
  operation,
  itemIndex,
  signal,
) => {
  const sampleId = requiredText(ctx, 'sampleId', itemIndex);
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
      return [asJson(downloadUrlsEntry(sample, selectFiles(ctx, sample, itemIndex)))];
    case 'getChecksum': {
      const fileType = requiredText(ctx, 'fileType', itemIndex);
      const file = sample.files.find((f) => f.file_type === fileType);
      if (!file) {
        throw new NodeOperationError(ctx.getNode(), `Sample ${sampleId} has no ${fileType} file`, {
          itemIndex,
          description: `Its file types: ${typesOf(sample)}`,
        });
      }
      const fileName = fileNameOf(sample, file);
      const line = await client.getFileChecksum(file.id, fileName, { signal });
      return [
        asJson({
          sampleId,
          fileId: file.id,
          fileType,
          fileName,
          sha256: line.trim().split(/\s+/)[0],
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

const typesOf = (sample: SampleDetail) =>
  sample.files.map((f) => f.file_type).join(', ') || 'none (analysis not finished?)';

/**
 * File types: each entry selects exactly that type; a trailing `*` selects by prefix (the same
 * decision as the CLI on the spec §9.1 prefix quirk). Empty selects every file.
 */
function selectFiles(
  ctx: IExecuteFunctions,
  sample: SampleDetail,
  itemIndex: number,
): DeliverableFile[] {
  const wanted = splitList(String(ctx.getNodeParameter('fileTypes', itemIndex, '') ?? ''));
  const admits = (type: string) =>
    wanted.length === 0 ||
    wanted.some((w) => (w.endsWith('*') ? type.startsWith(w.slice(0, -1)) : type === w));
  const unknown = wanted.filter(
    (w) =>
      !sample.files.some((f) =>
        w.endsWith('*') ? (f.file_type ?? '').startsWith(w.slice(0, -1)) : f.file_type === w,
      ),
  );
  if (unknown.length > 0) {
    throw new NodeOperationError(
      ctx.getNode(),
      `Sample ${sample.id} has no file of type ${unknown.join(', ')}`,
      { itemIndex, description: `Its file types: ${typesOf(sample)}` },
    );
  }
  return sample.files.filter((f) => admits(f.file_type ?? ''));
}

function downloadUrlsEntry(sample: SampleDetail, files: DeliverableFile[]) {
  return {
    gencove_id: sample.id,
    client_id: sample.client_id ?? null,
    last_status: sample.last_status ?? null,
    archive_last_status: sample.archive_last_status ?? null,
    files: Object.fromEntries(
      files.map((f) => [
        f.file_type ?? f.id,
        {
          id: f.id,
          download_url: f.download_url ?? null,
          checksum_sha256: f.checksum_sha256 ?? '',
        },
      ]),
    ),
  };
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
 * Streams one deliverable into n8n's binary storage with core's `streamSampleFile`: the
 * presigned URL is renewed on 403, dropped connections resume, and the SHA-256 the API gives is
 * checked before the stream ends — a corrupted file fails the item instead of being stored.
 */
async function downloadFile(
  ctx: IExecuteFunctions,
  client: GencoveClient,
  sample: SampleDetail,
  file: DeliverableFile,
  property: string,
  itemIndex: number,
  signal: AbortSignal | undefined,
): Promise<INodeExecutionData> {
  const fileName = fileNameOf(sample, file);
  const { stream, done } = streamSampleFile(client, {
    sampleId: sample.id,
    fileType: file.file_type ?? '',
    ...(signal ? { signal } : {}),
  });
  try {
    const [binary, outcome] = await Promise.all([
      ctx.helpers.prepareBinaryData(stream, fileName),
      done,
    ]);
    return {
      json: {
        sampleId: sample.id,
        clientId: sample.client_id ?? null,
        fileId: file.id,
        fileType: file.file_type ?? null,
        fileName,
        bytes: outcome.bytes,
        sha256: outcome.sha256 ?? null,
        verified: outcome.verified,
      },
      binary: { [property]: binary },
      pairedItem: { item: itemIndex },
    };
  } catch (error) {
    // the stream fails with the transfer's error; report that one, not the consumer's
    const cause = await done.then(
      () => error,
      (transfer: unknown) => transfer,
    );
    if (cause instanceof ChecksumMismatchError) {
      throw new NodeOperationError(
        ctx.getNode(),
        `The ${file.file_type} of sample ${sample.id} arrived corrupted (SHA-256 mismatch)`,
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
