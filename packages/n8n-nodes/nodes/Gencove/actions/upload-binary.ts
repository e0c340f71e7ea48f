import { randomUUID } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import {
  assignUploadsToProject,
  choosePartSize,
  type GencoveClient,
  parseFastqName,
  UploadCredentialProvider,
} from '@gencove/core';
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { toNodeError } from '../../shared/errors';
import { asJson, jsonParameter, requiredText } from './common';
import type { BatchOperation } from './types';

const FASTQ_NAME = /\.(fastq|fq)\.b?gz$/i;
/** Parts in flight per file: memory per file is at most QUEUE_SIZE × part size (16 MiB). */
const QUEUE_SIZE = 4;

interface PlannedItem {
  itemIndex: number;
  fileName: string;
  clientId: string;
  read: 'R1' | 'R2';
  destinationPath: string;
  binaryId?: string;
  property: string;
}

/**
 * Upload From Binary: streams each item's binary data to the S3 slot Gencove reserves for it
 * (`uploads-post-data`, temporary credentials refreshed by core's provider), one file after the
 * other with bounded memory, then assigns every upload of the run to the project when asked.
 * Every name is checked before any byte moves.
 */
export const uploadBinaryItems: BatchOperation = async (ctx, client, items, signal) => {
  const destination = destinationOf(ctx);
  const planned = items.map((_, itemIndex) => planItem(ctx, itemIndex, destination));
  const seen = new Map<string, number>();
  for (const p of planned) {
    const earlier = seen.get(p.destinationPath);
    if (earlier !== undefined) {
      throw new NodeOperationError(
        ctx.getNode(),
        `Items ${earlier} and ${p.itemIndex} would both upload ${p.destinationPath}`,
        { itemIndex: p.itemIndex },
      );
    }
    seen.set(p.destinationPath, p.itemIndex);
  }
  const assign = ctx.getNodeParameter('assign', 0, false) as boolean;
  const projectId = assign ? requiredText(ctx, 'projectId', 0) : undefined;
  const metadata = assign ? jsonParameter(ctx, 'metadata', 0) : { given: false, value: undefined };

  try {
    if (projectId) await client.getProject(projectId, { signal });
    const credentials = new UploadCredentialProvider({
      fetch: (sig) => client.getUploadCredentials({ signal: sig ?? signal }),
      ...(signal ? { signal } : {}),
    });
    const s3 = new S3Client({
      region: 'us-east-1',
      ...(client.s3Endpoint
        ? { endpoint: client.s3Endpoint, forcePathStyle: true }
        : { followRegionRedirects: true }),
      credentials: credentials.provider,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    const results: Array<Record<string, unknown>> = [];
    try {
      for (const p of planned) results.push(await uploadOne(ctx, client, s3, p, signal));
    } finally {
      s3.destroy();
    }
    const samples = projectId
      ? await assignUploadsToProject(client, {
          projectId,
          destination,
          uploadIds: results.map((r) => String(r.uploadId)),
          metadata: metadata.given ? metadata.value : null,
          ...(signal ? { signal } : {}),
        })
      : undefined;
    return planned.map((p, i): INodeExecutionData => {
      const sample = samples?.find(
        (s) =>
          s.fastq.r1?.upload === results[i]?.uploadId ||
          s.fastq.r2?.upload === results[i]?.uploadId,
      );
      return {
        ...asJson({ ...results[i], ...(sample ? { sample } : {}) }),
        pairedItem: { item: p.itemIndex },
      };
    });
  } catch (error) {
    throw toNodeError(ctx.getNode(), error);
  }
};

async function uploadOne(
  ctx: IExecuteFunctions,
  client: GencoveClient,
  s3: S3Client,
  p: PlannedItem,
  signal: AbortSignal | undefined,
): Promise<Record<string, unknown>> {
  const slot = await client.createUpload(p.destinationPath, { signal });
  const base = {
    fileName: p.fileName,
    clientId: p.clientId,
    read: p.read,
    destinationPath: p.destinationPath,
    uploadId: slot.id,
  };
  if (slot.last_status?.status === 'succeeded') return { ...base, outcome: 'already-uploaded' };
  if (!slot.s3?.bucket || !slot.s3.object_name) {
    throw new NodeOperationError(
      ctx.getNode(),
      `Gencove returned no S3 location for ${p.destinationPath}`,
      {
        itemIndex: p.itemIndex,
      },
    );
  }
  let size: number | undefined;
  let body: Awaited<ReturnType<IExecuteFunctions['helpers']['getBinaryStream']>> | Buffer;
  if (p.binaryId) {
    size = (await ctx.helpers.getBinaryMetadata(p.binaryId)).fileSize;
    body = await ctx.helpers.getBinaryStream(p.binaryId);
  } else {
    // Binary data kept in memory by n8n (no id): it is already a buffer.
    body = await ctx.helpers.getBinaryDataBuffer(p.itemIndex, p.property);
    size = body.length;
  }
  const upload = new Upload({
    client: s3,
    params: { Bucket: slot.s3.bucket, Key: slot.s3.object_name, Body: body },
    partSize: choosePartSize(size ?? 0),
    queueSize: QUEUE_SIZE,
    leavePartsOnError: false,
  });
  const abort = () => void upload.abort();
  signal?.addEventListener('abort', abort, { once: true });
  try {
    await upload.done();
  } finally {
    signal?.removeEventListener('abort', abort);
  }
  return { ...base, outcome: 'uploaded', bytes: size };
}

function destinationOf(ctx: IExecuteFunctions): string {
  const given = String(ctx.getNodeParameter('destination', 0, '') ?? '').trim();
  if (given === '') {
    const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
    const hex = randomUUID().replace(/-/g, '');
    return `gncv://n8n-${stamp}-${hex}/`;
  }
  if (!given.startsWith('gncv://')) {
    throw new NodeOperationError(ctx.getNode(), `Destination "${given}" must start with gncv://`);
  }
  const folder = given.replace(/\/+$/, '');
  return folder === 'gncv:' ? 'gncv://' : `${folder}/`;
}

function planItem(ctx: IExecuteFunctions, itemIndex: number, destination: string): PlannedItem {
  const property = requiredText(ctx, 'binaryPropertyName', itemIndex);
  const binary = ctx.helpers.assertBinaryData(itemIndex, property);
  const override = String(ctx.getNodeParameter('fileName', itemIndex, '') ?? '').trim();
  const fileName = override || binary.fileName || '';
  const problem = (message: string) =>
    new NodeOperationError(ctx.getNode(), `Item ${itemIndex}: ${message}`, { itemIndex });
  if (!FASTQ_NAME.test(fileName) || fileName.includes('/')) {
    throw problem(
      `file name "${fileName}" must end in .fastq.gz, .fastq.bgz, .fq.gz or .fq.bgz (set "File Name" to rename it)`,
    );
  }
  const name = parseFastqName(fileName);
  if (!name.clientId) throw problem(`file name "${fileName}" does not start with a client ID`);
  if (!name.read || name.ambiguous) {
    throw problem(
      `file name "${fileName}" must contain exactly one _R1 or _R2 token (e.g. ${name.clientId || 'S1'}_R1.fastq.gz)`,
    );
  }
  return {
    itemIndex,
    fileName,
    clientId: name.clientId,
    read: name.read,
    destinationPath: destination + fileName,
    ...(binary.id ? { binaryId: binary.id } : {}),
    property,
  };
}
