import { createHash } from 'node:crypto';
import type { DeliverableFile, GencoveClient, SampleDetail } from '@gencove/core';
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { request } from 'undici';
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
      const fileName = file.download_url
        ? defaultFilename(file.download_url)
        : `${sampleId}.${fileType}`;
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

/** Spec §9.3 default file name: `filename=` of `response-content-disposition`, else the last path segment. */
function defaultFilename(downloadUrl: string): string {
  try {
    const url = new URL(downloadUrl);
    const disposition = url.searchParams.get('response-content-disposition') ?? '';
    const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
    const name = decodeURIComponent(match?.[1] ?? url.pathname.split('/').pop() ?? '');
    return name.replace(/[/\\]/g, '_') || 'deliverable';
  } catch {
    return 'deliverable';
  }
}

/**
 * Streams one deliverable into n8n's binary storage: the presigned URL is fetched with the core
 * client's connection pool, the body is piped straight into `prepareBinaryData`, and what n8n
 * stored is hashed and checked against the SHA-256 the API gives (when it gives one). A refused URL (403, expired) is renewed once by
 * re-reading the sample.
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
  const label = `${file.file_type} of sample ${sample.id}`;
  let url = file.download_url;
  for (let attempt = 1; ; attempt++) {
    if (!url) {
      throw new NodeOperationError(ctx.getNode(), `The ${label} has no download URL`, {
        itemIndex,
        description: `Archive status: ${sample.archive_last_status?.status ?? 'unknown'}; restore the sample first (Sample → Restore).`,
      });
    }
    const response = await request(url, {
      dispatcher: client.dispatcher,
      ...(signal ? { signal } : {}),
    });
    if (response.statusCode === 403 && attempt === 1) {
      await response.body.dump();
      const fresh = await client.getSample(sample.id, { signal });
      url = fresh.files.find((f) => f.id === file.id)?.download_url;
      continue;
    }
    if (response.statusCode < 200 || response.statusCode >= 300) {
      await response.body.dump();
      throw new NodeOperationError(
        ctx.getNode(),
        `Downloading the ${label} failed with HTTP ${response.statusCode}`,
        { itemIndex },
      );
    }
    const fileName = defaultFilename(url);
    const binary = await ctx.helpers.prepareBinaryData(response.body, fileName);
    const { sha256, bytes } = await digestOf(ctx, binary.id, binary.data);
    const expected = file.checksum_sha256?.trim().toLowerCase();
    const verified = Boolean(expected && /^[0-9a-f]{64}$/.test(expected));
    if (verified && expected !== sha256) {
      throw new NodeOperationError(
        ctx.getNode(),
        `The ${label} arrived corrupted (SHA-256 mismatch)`,
        {
          itemIndex,
          description: `Expected ${expected}, received ${sha256} over ${bytes} bytes.`,
        },
      );
    }
    return {
      json: {
        sampleId: sample.id,
        clientId: sample.client_id ?? null,
        fileId: file.id,
        fileType: file.file_type ?? null,
        fileName,
        bytes,
        sha256,
        verified,
      },
      binary: { [property]: binary },
      pairedItem: { item: itemIndex },
    };
  }
}

/** SHA-256 of what n8n stored, read back as a stream (bounded memory whatever the size). */
async function digestOf(
  ctx: IExecuteFunctions,
  binaryId: string | undefined,
  inline: string,
): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  if (binaryId) {
    for await (const chunk of await ctx.helpers.getBinaryStream(binaryId)) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
  } else {
    const data = Buffer.from(inline, 'base64');
    hash.update(data);
    bytes = data.length;
  }
  return { sha256: hash.digest('hex'), bytes };
}
