import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { basename } from 'node:path';
import type { GencoveClient } from '../../client.js';
import { AbortError, ValidationError } from '../../errors.js';
import type { DeliverableFile } from '../../models.js';
import type { TransferBudget } from '../../transfer/budget.js';
import {
  IntegrityMismatch,
  STREAM_BUDGET_BYTES,
  type TransferTuning,
  transferToDisk,
} from './disk-transfer.js';
import { ChecksumMismatchError, OutputClosedError, RemoteFileChangedError } from './errors.js';
import { type FetchContext, type ObjectInfo, pumpRange } from './fetch-range.js';
import { existingFileSize, sha256OfFile, writeFileAtomic } from './local-files.js';
import { partStateTotal } from './part-state.js';
import { headObject, putText, transferToS3 } from './s3-delivery.js';
import { formatMetadataFile, formatQcJson } from './sample-json.js';
import { keyOf, type Sink } from './sink.js';
import type { DownloadSource } from './source.js';
import { lockTarget, TARGET_LOCK_STALE_MS } from './target-lock.js';
import type { DownloadEvent, FileOutcome } from './types.js';

export type DownloadApi = Pick<
  GencoveClient,
  | 'listProjectSamples'
  | 'getSample'
  | 'getSampleQc'
  | 'getSampleMetadata'
  | 'listFileTypes'
  | 'getFileChecksum'
  | 'restoreSamples'
>;

/** One thing to deliver: a deliverable file, or the QC / metadata JSON of a sample. */
export interface PlannedFile {
  sampleId: string;
  clientId: string;
  fileType: string;
  kind: 'deliverable' | 'qc' | 'metadata';
  /** Local path, `s3://bucket/key` or `-`. */
  target: string;
  file?: DeliverableFile;
  source?: DownloadSource;
}

export interface DeliveryContext {
  api: DownloadApi;
  sink: Sink;
  budget: TransferBudget;
  tuning: TransferTuning;
  fetch: Omit<FetchContext, 'onRetry' | 'onBytes'>;
  signal: AbortSignal;
  /** Disk: rejects when this process no longer holds the file's lock (checked before a rename). */
  beforeCommit?: () => Promise<void>;
  skipExisting: boolean;
  verifyExisting: boolean;
  /** Compute sha256 while streaming. */
  hash: boolean;
  /** Disk transfers of this run in flight right now, shared by its files. */
  transfers?: { active: number };
  checksums: boolean;
  emit: (event: DownloadEvent) => void;
  /** Every byte received from the network, for the run's totals. */
  onFetched: (bytes: number) => void;
}

const PROGRESS_INTERVAL_MS = 250;
const SHA256_HEX = /^[0-9a-f]{64}$/;

export function expectedSha256(file: DeliverableFile | undefined): string | undefined {
  const value = file?.checksum_sha256?.trim().toLowerCase();
  return value && SHA256_HEX.test(value) ? value : undefined;
}

/** Delivers one planned file; resolves with its outcome, rejects when it could not be delivered. */
export async function deliverFile(plan: PlannedFile, ctx: DeliveryContext): Promise<FileOutcome> {
  const deliver = (c: DeliveryContext) =>
    plan.kind === 'deliverable' ? deliverDeliverable(plan, c) : deliverJson(plan, c);
  if (ctx.sink.kind !== 'disk') return deliver(ctx);
  const lock = await lockTarget(plan.target, {
    signal: ctx.signal,
    onWait: () =>
      ctx.emit({
        type: 'warning',
        code: 'target-locked',
        sampleId: plan.sampleId,
        message: `Another gencove process is delivering ${plan.target}; waiting for it to finish (a lock left by a killed run is taken over after ${TARGET_LOCK_STALE_MS / 1000} s).`,
      }),
  });
  // A lock taken over from this process (it stalled for a minute) stops this file at once.
  const signal = AbortSignal.any([ctx.signal, lock.lost]);
  const fetchSignal = ctx.fetch.signal ? AbortSignal.any([ctx.fetch.signal, lock.lost]) : signal;
  try {
    return await deliver({
      ...ctx,
      signal,
      fetch: { ...ctx.fetch, signal: fetchSignal },
      beforeCommit: lock.stillHeld,
    });
  } catch (error) {
    if (lock.lost.aborted && !ctx.signal.aborted) throw lock.lost.reason;
    throw error;
  } finally {
    await lock.release();
  }
}

function baseOutcome(plan: PlannedFile): FileOutcome {
  return {
    sampleId: plan.sampleId,
    clientId: plan.clientId,
    ...(plan.file ? { fileId: plan.file.id } : {}),
    fileType: plan.fileType,
    target: plan.target,
    outcome: 'downloaded',
    bytes: 0,
    fetchedBytes: 0,
    resumedBytes: 0,
    verified: false,
  };
}

async function deliverDeliverable(plan: PlannedFile, ctx: DeliveryContext): Promise<FileOutcome> {
  const file = plan.file!;
  const source = plan.source!;
  const expected = expectedSha256(file);
  const outcome = baseOutcome(plan);
  const who = { sampleId: plan.sampleId, fileType: plan.fileType, target: plan.target };
  let lastProgress = 0;
  const progress = (doneBytes: number, force = false) => {
    const now = Date.now();
    if (!force && now - lastProgress < PROGRESS_INTERVAL_MS) return;
    lastProgress = now;
    ctx.emit({ type: 'file-progress', ...who, doneBytes, bytes: info.total ?? null });
  };
  const fetch: FetchContext = {
    ...ctx.fetch,
    onBytes: (n) => {
      outcome.fetchedBytes += n;
      ctx.onFetched(n);
    },
    onRetry: (retry) => ctx.emit({ type: 'file-retry', ...who, ...retry }),
  };
  let info: ObjectInfo = {};
  // The API's size saves a request, but only as a hint: the official client trusts the GET's
  // headers alone (spec §9.4), and a transfer checks the size the server reports anyway.
  let sizeIsHint = false;
  if (typeof file.size === 'number' && Number.isInteger(file.size) && file.size >= 0) {
    info.total = file.size;
    sizeIsHint = true;
  }
  const total = async (): Promise<number> => {
    if (info.total === undefined) {
      // The official client reads the size from the GET's headers; one byte is enough for that.
      await ctx.budget.run(
        STREAM_BUDGET_BYTES,
        // The headers are what we want.
        () => pumpRange({ source, start: 0, end: 1, info }, fetch, () => undefined),
        ctx.signal,
      );
    }
    if (info.total === undefined)
      throw new Error(`The server did not say how large ${plan.target} is.`);
    return info.total;
  };
  /** From now on the size comes from the server's headers (a probe or the transfer's own). */
  const forgetSizeHint = () => {
    sizeIsHint = false;
    info = {};
  };
  /** Whether an existing copy has the file's size, asking the server when the hint says no. */
  const hasSize = async (size: number): Promise<boolean> => {
    if (size === (await total())) return true;
    if (!sizeIsHint) return false;
    forgetSizeHint();
    return size === (await total());
  };

  if (ctx.skipExisting && ctx.sink.kind !== 'stream') {
    const skip = await existingMatches(plan, ctx, expected, hasSize);
    if (skip) {
      Object.assign(outcome, skip, { outcome: 'skipped', bytes: info.total ?? skip.bytes });
      await writeSidecar(plan, ctx, outcome);
      return outcome;
    }
  }

  if (sizeIsHint && ctx.sink.kind === 'disk') {
    // An earlier run's `.part` was sized by the server's headers: when the hint disagrees, the
    // headers decide again (a wrong hint would discard the `.part` on every run).
    const recorded = await partStateTotal(plan.target);
    if (recorded !== undefined && recorded !== info.total) forgetSizeHint();
  }
  let mismatches = 0;
  let restarts = 0;
  for (;;) {
    const size = await total();
    outcome.bytes = size;
    const known = info as ObjectInfo & { total: number };
    const start = (resumedBytes: number) => {
      outcome.resumedBytes = resumedBytes;
      ctx.emit({ type: 'file-start', ...who, bytes: size, resumedBytes });
    };
    try {
      let sha256: string | undefined;
      if (ctx.sink.kind === 'disk') {
        const transfers = ctx.transfers ?? { active: 0 };
        transfers.active++;
        try {
          ({ sha256 } = await transferToDisk({
            path: plan.target,
            fileId: file.id,
            source,
            info: known,
            ...(expected ? { expectedSha256: expected } : {}),
            hash: ctx.hash,
            ...(ctx.beforeCommit ? { beforeCommit: ctx.beforeCommit } : {}),
            budget: ctx.budget,
            fetch,
            tuning: ctx.tuning,
            linkShared: () => transfers.active > 1,
            onStart: start,
            onProgress: (n) => progress(n),
          }));
        } finally {
          transfers.active--;
        }
      } else if (ctx.sink.kind === 's3') {
        start(0);
        ({ sha256 } = await transferToS3({
          client: ctx.sink.client,
          bucket: ctx.sink.bucket,
          key: keyOf(ctx.sink, plan.target),
          source,
          info: known,
          ...(expected ? { expectedSha256: expected } : {}),
          hash: ctx.hash,
          budget: ctx.budget,
          fetch,
          partSize: ctx.sink.partSize,
          queueSize: ctx.sink.queueSize,
          onProgress: (n) => progress(n),
        }));
      } else {
        start(0);
        sha256 = await streamOut(ctx.sink.stream, plan.target, source, known, ctx, fetch, progress);
        if (expected && sha256 && sha256 !== expected) {
          throw new ChecksumMismatchError(plan.target, expected, sha256, 1, 'streamed');
        }
      }
      progress(size, true);
      if (sha256) outcome.sha256 = sha256;
      outcome.verified = Boolean(expected && sha256 === expected);
      break;
    } catch (error) {
      if (error instanceof IntegrityMismatch) {
        mismatches++;
        ctx.emit({
          type: 'checksum-mismatch',
          ...who,
          expected: expected!,
          actual: error.actual,
          attempt: mismatches,
        });
        if (mismatches >= 2) {
          // A file already at the target is removed unless it is the deliverable (possible with
          // skipExisting off): left there, a later size-only run would take it as done.
          const keep =
            ctx.sink.kind === 'disk' &&
            (await sha256OfExisting(plan.target, ctx.signal)) === expected;
          if (ctx.sink.kind === 'disk' && !keep) await rm(plan.target, { force: true });
          throw new ChecksumMismatchError(
            plan.target,
            expected!,
            error.actual,
            mismatches,
            ctx.sink.kind === 's3' ? 'not-written' : keep ? 'kept-existing' : 'removed',
          );
        }
        info = { total: size };
        continue;
      }
      if (error instanceof RemoteFileChangedError && (sizeIsHint || restarts < 1)) {
        // A wrong size from the API is not a change of the file: it does not use up the restart.
        if (!sizeIsHint) restarts++;
        forgetSizeHint();
        continue;
      }
      throw error;
    }
  }
  await writeSidecar(plan, ctx, outcome);
  return outcome;
}

async function sha256OfExisting(path: string, signal: AbortSignal): Promise<string | undefined> {
  return (await existingFileSize(path)) === undefined ? undefined : sha256OfFile(path, signal);
}

type SkipFacts = Pick<FileOutcome, 'skipReason' | 'verified' | 'bytes'> & { sha256?: string };

/** Official skip-existing (same size) plus sha256 checks where we can make them. */
async function existingMatches(
  plan: PlannedFile,
  ctx: DeliveryContext,
  expected: string | undefined,
  hasSize: (size: number) => Promise<boolean>,
): Promise<SkipFacts | undefined> {
  if (ctx.sink.kind === 's3') {
    const head = await headObject(
      ctx.sink.client,
      ctx.sink.bucket,
      keyOf(ctx.sink, plan.target),
      ctx.signal,
    );
    if (!head || !(await hasSize(head.size))) return undefined;
    if (!expected) return { skipReason: 'same-size', verified: false, bytes: head.size };
    // The sha256 we stored as metadata after verifying the stream.
    return head.sha256 === expected
      ? { skipReason: 'same-sha256', verified: true, bytes: head.size, sha256: expected }
      : undefined;
  }
  const size = await existingFileSize(plan.target);
  if (size === undefined || !(await hasSize(size))) return undefined;
  if (ctx.verifyExisting && expected) {
    const actual = await sha256OfFile(plan.target, ctx.signal);
    return actual === expected
      ? { skipReason: 'same-sha256', verified: true, bytes: size, sha256: actual }
      : undefined;
  }
  return { skipReason: 'same-size', verified: false, bytes: size };
}

async function streamOut(
  stream: NodeJS.WritableStream,
  target: string,
  source: DownloadSource,
  info: ObjectInfo & { total: number },
  ctx: DeliveryContext,
  fetch: FetchContext,
  progress: (n: number) => void,
): Promise<string | undefined> {
  const hash = ctx.hash ? createHash('sha256') : undefined;
  let written = 0;
  let failure: Error | undefined;
  const onError = (error: Error) => {
    failure ??= error;
  };
  // A reader that destroys the stream without an error (or a closed pipe) only says 'close';
  // without this a transfer waiting for 'drain' would wait for ever.
  const onClose = () => {
    failure ??= new OutputClosedError(target, written);
  };
  stream.on('error', onError);
  stream.on('close', onClose);
  if ((stream as { destroyed?: boolean }).destroyed) onClose();
  const drained = () =>
    new Promise<void>((resolve, reject) => {
      const settle = () => {
        stream.off('drain', settle);
        stream.off('close', settle);
        ctx.signal.removeEventListener('abort', settle);
        if (ctx.signal.aborted) reject(new AbortError());
        else if (failure) reject(failure);
        else resolve();
      };
      stream.on('drain', settle);
      stream.on('close', settle);
      ctx.signal.addEventListener('abort', settle, { once: true });
    });
  try {
    await ctx.budget.run(
      STREAM_BUDGET_BYTES,
      () =>
        pumpRange({ source, start: 0, end: info.total, info }, fetch, (chunk) => {
          if (failure) throw failure;
          hash?.update(chunk);
          written += chunk.length;
          progress(written);
          if (stream.write(chunk)) return undefined;
          return drained();
        }),
      ctx.signal,
    );
    if (failure) throw failure;
  } catch (error) {
    if (ctx.signal.aborted) throw new AbortError();
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') {
      throw new OutputClosedError(target, written);
    }
    throw error;
  } finally {
    stream.off('error', onError);
    stream.off('close', onClose);
  }
  return hash?.digest('hex');
}

/**
 * The text of a `.sha256` sidecar (spec §11): the API's, or where the API has no checksum (its
 * 400, FASTQ copies) the sha256 computed during the transfer, with a warning; undefined (and a
 * warning) when there is neither.
 */
export async function sidecarText(
  api: Pick<DownloadApi, 'getFileChecksum'>,
  fileId: string,
  name: string,
  computed: string | undefined,
  who: { sampleId: string; target: string },
  emit: (event: DownloadEvent) => void,
  signal: AbortSignal,
): Promise<string | undefined> {
  try {
    return await api.getFileChecksum(fileId, name, { signal });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
  }
  emit({
    type: 'warning',
    code: 'checksum-unavailable',
    sampleId: who.sampleId,
    message: computed
      ? `The API has no checksum for ${who.target}; its .sha256 file holds the sha256 computed during this download.`
      : `The API has no checksum for ${who.target}; no .sha256 file was written.`,
  });
  return computed ? `${computed} *${name}\n` : undefined;
}

/** Spec §11: `<file>.sha256` in `sha256sum` format, written even when the file was skipped. */
async function writeSidecar(plan: PlannedFile, ctx: DeliveryContext, outcome: FileOutcome) {
  if (!ctx.checksums || !plan.file || ctx.sink.kind === 'stream') return;
  const name = ctx.sink.kind === 's3' ? plan.target.split('/').pop()! : basename(plan.target);
  const text = await sidecarText(
    ctx.api,
    plan.file.id,
    name,
    outcome.sha256,
    plan,
    ctx.emit,
    ctx.signal,
  );
  if (text === undefined) return;
  const sidecar = `${plan.target}.sha256`;
  if (ctx.sink.kind === 's3') {
    await putText(
      ctx.sink.client,
      ctx.sink.bucket,
      keyOf(ctx.sink, sidecar),
      text,
      'text/plain; charset=utf-8',
      ctx.signal,
    );
  } else {
    await writeFileAtomic(sidecar, text);
  }
  outcome.checksumFile = sidecar;
}

/** `qc` / `metadata` JSON (spec §9.7): skipped without any API call when a non-empty one exists. */
async function deliverJson(plan: PlannedFile, ctx: DeliveryContext): Promise<FileOutcome> {
  const outcome = baseOutcome(plan);
  if (ctx.skipExisting && ctx.sink.kind !== 'stream') {
    const size =
      ctx.sink.kind === 's3'
        ? (
            await headObject(
              ctx.sink.client,
              ctx.sink.bucket,
              keyOf(ctx.sink, plan.target),
              ctx.signal,
            )
          )?.size
        : await existingFileSize(plan.target);
    if (size !== undefined && size > 0) {
      return { ...outcome, outcome: 'skipped', skipReason: 'exists', bytes: size };
    }
  }
  ctx.emit({
    type: 'file-start',
    sampleId: plan.sampleId,
    fileType: plan.fileType,
    target: plan.target,
    bytes: null,
    resumedBytes: 0,
  });
  const text =
    plan.kind === 'qc'
      ? formatQcJson(await ctx.api.getSampleQc(plan.sampleId, { signal: ctx.signal }))
      : formatMetadataFile(await ctx.api.getSampleMetadata(plan.sampleId, { signal: ctx.signal }));
  if (ctx.sink.kind === 's3') {
    await putText(
      ctx.sink.client,
      ctx.sink.bucket,
      keyOf(ctx.sink, plan.target),
      text,
      'application/json',
      ctx.signal,
    );
  } else if (ctx.sink.kind === 'disk') {
    await writeFileAtomic(plan.target, text);
  } else if (!ctx.sink.stream.write(text)) {
    await once(ctx.sink.stream, 'drain', { signal: ctx.signal });
  }
  const bytes = Buffer.byteLength(text);
  return {
    ...outcome,
    bytes,
    sha256: createHash('sha256').update(text).digest('hex'),
  };
}
