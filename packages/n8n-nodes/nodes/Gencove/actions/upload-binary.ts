import {
  type AssignedSample,
  assignUploadsToProject,
  type GencoveClient,
  generateDestination,
  hasFastqExtension,
  normalizeDestination,
  parseFastqName,
  TransferBudget,
  UploadCredentialProvider,
  uploadStream,
} from '@gencove/core';
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { toNodeError } from '../../shared/errors';
import { asJson, idParameter, jsonParameter, requiredText } from './common';
import type { BatchOperation } from './types';

/** S3 parts in flight (and in memory) at once for the whole run: 4 × 8 MiB. */
const PARTS_IN_FLIGHT = 4;
const PART_SIZE = 8 * 1024 * 1024;

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
 * Upload From Binary: every name is checked before any byte moves, then each item's binary data
 * is streamed by core's `uploadStream` (reservation, skip when already uploaded, multipart with
 * bounded memory, credential refresh, S3 retries), one file after the other under one budget and
 * one set of upload credentials; finally every upload of the run is assigned when asked.
 *
 * Without "Continue On Fail" the first problem fails the node (a bad name before any byte moves).
 * With it, a failing item becomes `{ error }` (paired with its input) and the others go on; a
 * sample one of whose files failed is not assigned (it would lose a read), its uploaded files say
 * why.
 */
export const uploadBinaryItems: BatchOperation = async (ctx, client, items, signal) => {
  const continueOnFail = ctx.continueOnFail();
  const failures = new Map<number, Error>();
  const fail = (itemIndex: number, error: unknown) => {
    const nodeError = toNodeError(ctx.getNode(), error, itemIndex);
    if (!continueOnFail) throw nodeError;
    failures.set(itemIndex, nodeError);
  };
  const destination = destinationOf(ctx);
  const planned: PlannedItem[] = [];
  const seen = new Map<string, number>();
  for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
    try {
      const p = planItem(ctx, itemIndex, destination);
      const earlier = seen.get(p.destinationPath);
      if (earlier !== undefined) {
        throw new NodeOperationError(
          ctx.getNode(),
          `Items ${earlier} and ${p.itemIndex} would both upload ${p.destinationPath}`,
          { itemIndex: p.itemIndex },
        );
      }
      seen.set(p.destinationPath, p.itemIndex);
      planned.push(p);
    } catch (error) {
      fail(itemIndex, error);
    }
  }
  const assign = ctx.getNodeParameter('assign', 0, false) as boolean;
  const projectId = assign ? idParameter(ctx, 'projectId', 0) : undefined;
  const metadata = assign ? jsonParameter(ctx, 'metadata', 0) : { given: false, value: undefined };

  const results = new Map<number, Record<string, unknown>>();
  let samples: AssignedSample[] | undefined;
  let unassigned = new Set<string>();
  try {
    if (projectId && planned.length > 0) await client.getProject(projectId, { signal });
    const credentials = new UploadCredentialProvider({
      fetch: (sig) => client.getUploadCredentials({ signal: sig ?? signal }),
      ...(signal ? { signal } : {}),
    });
    const budget = new TransferBudget({
      maxConnections: PARTS_IN_FLIGHT,
      maxBufferBytes: PARTS_IN_FLIGHT * PART_SIZE,
    });
    for (const p of planned) {
      try {
        results.set(p.itemIndex, await uploadOne(ctx, client, p, { credentials, budget, signal }));
      } catch (error) {
        if (signal?.aborted) throw toNodeError(ctx.getNode(), error, p.itemIndex);
        fail(p.itemIndex, error);
      }
    }
    // a sample with a failed file stays unassigned: assigning the rest would drop a read
    unassigned = new Set(planned.filter((p) => failures.has(p.itemIndex)).map((p) => p.clientId));
    const toAssign = planned.filter((p) => results.has(p.itemIndex) && !unassigned.has(p.clientId));
    samples =
      projectId && toAssign.length > 0
        ? await assignUploadsToProject(client, {
            projectId,
            destination,
            uploadIds: toAssign.map((p) => String(results.get(p.itemIndex)?.uploadId)),
            metadata: metadata.given ? metadata.value : null,
            ...(signal ? { signal } : {}),
          })
        : undefined;
  } catch (error) {
    const nodeError = toNodeError(ctx.getNode(), error);
    if (!continueOnFail) throw nodeError;
    // a failure of the whole run (project check, assignment): every item reports it
    return items.map((_, itemIndex) => ({
      json: {
        ...(results.get(itemIndex) ?? {}),
        error: (failures.get(itemIndex) ?? nodeError).message,
      },
      pairedItem: { item: itemIndex },
    }));
  }
  return items.map((_, itemIndex): INodeExecutionData => {
    const failure = failures.get(itemIndex);
    if (failure) return { json: { error: failure.message }, pairedItem: { item: itemIndex } };
    const result = results.get(itemIndex)!;
    const sample = samples?.find(
      (s) => s.fastq.r1?.upload === result.uploadId || s.fastq.r2?.upload === result.uploadId,
    );
    const skipped =
      projectId && unassigned.has(String(result.clientId))
        ? { note: `not assigned: another file of sample ${result.clientId} failed` }
        : {};
    return {
      ...asJson({ ...result, ...(sample ? { sample } : {}), ...skipped }),
      pairedItem: { item: itemIndex },
    };
  });
};

async function uploadOne(
  ctx: IExecuteFunctions,
  client: GencoveClient,
  p: PlannedItem,
  shared: {
    credentials: UploadCredentialProvider;
    budget: TransferBudget;
    signal: AbortSignal | undefined;
  },
): Promise<Record<string, unknown>> {
  // binary data n8n keeps in memory (no id) is a buffer already; stored data is streamed
  const source = p.binaryId
    ? {
        size: (await ctx.helpers.getBinaryMetadata(p.binaryId)).fileSize,
        body: await ctx.helpers.getBinaryStream(p.binaryId),
      }
    : { body: await ctx.helpers.getBinaryDataBuffer(p.itemIndex, p.property) };
  const result = await uploadStream(client, {
    destinationPath: p.destinationPath,
    ...source,
    partSize: PART_SIZE,
    credentials: shared.credentials,
    budget: shared.budget,
    ...(shared.signal ? { signal: shared.signal } : {}),
  });
  return {
    fileName: p.fileName,
    clientId: p.clientId,
    read: p.read,
    destinationPath: p.destinationPath,
    uploadId: result.upload.id,
    outcome: result.skipped ? 'already-uploaded' : 'uploaded',
    bytes: result.skipped ? 0 : result.bytes,
  };
}

/** The run's `gncv://` folder: the parameter normalised by core, or one generated for n8n. */
function destinationOf(ctx: IExecuteFunctions): string {
  const given = String(ctx.getNodeParameter('destination', 0, '') ?? '').trim();
  try {
    return given === '' ? generateDestination('n8n') : normalizeDestination(given);
  } catch (error) {
    throw toNodeError(ctx.getNode(), error);
  }
}

function planItem(ctx: IExecuteFunctions, itemIndex: number, destination: string): PlannedItem {
  const property = requiredText(ctx, 'binaryPropertyName', itemIndex);
  const binary = ctx.helpers.assertBinaryData(itemIndex, property);
  const override = String(ctx.getNodeParameter('fileName', itemIndex, '') ?? '').trim();
  const fileName = override || binary.fileName || '';
  const problem = (message: string) =>
    new NodeOperationError(ctx.getNode(), `Item ${itemIndex}: ${message}`, { itemIndex });
  if (!hasFastqExtension(fileName) || fileName.includes('/')) {
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
