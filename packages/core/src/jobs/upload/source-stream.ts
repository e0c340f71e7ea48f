import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { SourceChangedError } from './errors.js';
import type { SourceFile } from './plan-types.js';

/** Read size of the file streams: large reads keep syscalls and per-chunk overhead low. */
export const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * Bytes `[start, end)` of the concatenation of `sources`, streamed from disk (a map-file group's
 * lanes are read back to back; nothing is staged). Throws {@link SourceChangedError} when a file
 * is shorter than planned. `onChunk` sees every chunk as it is read.
 */
export function readRange(
  sources: readonly SourceFile[],
  start: number,
  end: number,
  onChunk?: (chunk: Buffer) => void,
): Readable {
  async function* chunks(): AsyncGenerator<Buffer> {
    let offset = 0;
    for (const source of sources) {
      const from = Math.max(start, offset) - offset;
      const to = Math.min(end, offset + source.size) - offset;
      offset += source.size;
      if (to <= from) continue;
      let read = 0;
      const stream = createReadStream(source.path, {
        start: from,
        end: to - 1,
        highWaterMark: READ_CHUNK_BYTES,
      });
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        read += chunk.length;
        onChunk?.(chunk);
        yield chunk;
      }
      if (read !== to - from) throw new SourceChangedError(source.path);
    }
  }
  return Readable.from(chunks(), { objectMode: false, highWaterMark: READ_CHUNK_BYTES });
}

/**
 * Reads bytes `[start, end)` of the concatenation of `sources` into `target` (whose length must be
 * `end - start`). Throws {@link SourceChangedError} when a file is shorter than planned.
 */
export async function readInto(
  sources: readonly SourceFile[],
  start: number,
  end: number,
  target: Buffer,
): Promise<void> {
  let offset = 0;
  let filled = 0;
  for (const source of sources) {
    const from = Math.max(start, offset) - offset;
    const to = Math.min(end, offset + source.size) - offset;
    offset += source.size;
    if (to <= from) continue;
    const handle = await open(source.path, 'r');
    try {
      for (let position = from; position < to; ) {
        const { bytesRead } = await handle.read(target, filled, to - position, position);
        if (bytesRead === 0) throw new SourceChangedError(source.path);
        position += bytesRead;
        filled += bytesRead;
      }
    } finally {
      await handle.close();
    }
  }
}

/** CRC32 of bytes in memory, base64 of the big-endian value (`x-amz-checksum-crc32`). */
export function crc32Base64(data: Buffer): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(data) >>> 0);
  return out.toString('base64');
}

/** Streams `data` as views of `chunkSize` bytes (no copies), calling `onChunk` for each. */
export function viewStream(
  data: Buffer,
  chunkSize: number,
  onChunk?: (chunk: Buffer) => void,
): Readable {
  function* views(): Generator<Buffer> {
    for (let at = 0; at < data.length; at += chunkSize) {
      const chunk = data.subarray(at, Math.min(data.length, at + chunkSize));
      onChunk?.(chunk);
      yield chunk;
    }
  }
  return Readable.from(views(), { objectMode: false, highWaterMark: chunkSize });
}

/** CRC32 of a byte range, base64 of the big-endian value as S3's `x-amz-checksum-crc32` wants it. */
export async function crc32OfRange(
  sources: readonly SourceFile[],
  start: number,
  end: number,
  signal?: AbortSignal,
): Promise<string> {
  let value = 0;
  for await (const chunk of readRange(sources, start, end) as AsyncIterable<Buffer>) {
    signal?.throwIfAborted();
    value = crc32(chunk, value);
  }
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0);
  return out.toString('base64');
}

/** Throws {@link SourceChangedError} when a file's size, mtime or identity differs from the plan. */
export async function assertUnchanged(sources: readonly SourceFile[]): Promise<void> {
  for (const source of sources) {
    const now = await stat(source.path).catch(() => undefined);
    if (!now || !sameFile(source, now)) throw new SourceChangedError(source.path);
  }
}

export function sameFile(
  a: Pick<SourceFile, 'size' | 'mtimeMs' | 'ino' | 'dev'>,
  b: Pick<SourceFile, 'size' | 'mtimeMs' | 'ino' | 'dev'>,
): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino && a.dev === b.dev;
}
