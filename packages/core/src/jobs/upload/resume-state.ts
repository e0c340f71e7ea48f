import { createHash } from 'node:crypto';
import { type FileHandle, mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SourceFile } from './plan-types.js';

/** What identifies a multipart upload worth resuming: same object, same bytes, same parts. */
export interface ResumeHeader {
  v: 1;
  bucket: string;
  key: string;
  uploadId: string;
  destinationPath: string;
  partSize: number;
  size: number;
  sources: SourceFile[];
  createdAt: string;
}

export interface CompletedPart {
  PartNumber: number;
  ETag: string;
  ChecksumCRC32: string;
}

export interface ResumeState {
  header: ResumeHeader;
  parts: Map<number, CompletedPart>;
}

/**
 * Multipart state on disk, one journal per S3 object: a header line, then one line per finished
 * part, appended as parts complete (so a kill loses at most the parts in flight, and a journal
 * never needs rewriting). A torn last line is ignored on load.
 */
export class ResumeJournal {
  readonly #file: string;
  #handle: FileHandle | undefined;
  #writes: Promise<void> = Promise.resolve();

  private constructor(file: string, handle: FileHandle) {
    this.#file = file;
    this.#handle = handle;
  }

  static fileFor(dir: string, bucket: string, key: string): string {
    const id = createHash('sha256').update(`${bucket}/${key}`).digest('hex').slice(0, 40);
    return join(dir, `${id}.ndjson`);
  }

  static async load(dir: string, bucket: string, key: string): Promise<ResumeState | undefined> {
    let text: string;
    try {
      text = await readFile(ResumeJournal.fileFor(dir, bucket, key), 'utf8');
    } catch {
      return undefined;
    }
    const lines = text.split('\n');
    let header: ResumeHeader;
    try {
      header = JSON.parse(lines[0] ?? '') as ResumeHeader;
    } catch {
      return undefined;
    }
    if (header.v !== 1 || header.bucket !== bucket || header.key !== key) return undefined;
    const parts = new Map<number, CompletedPart>();
    for (const line of lines.slice(1)) {
      if (!line) continue;
      try {
        const part = JSON.parse(line) as CompletedPart;
        if (Number.isInteger(part.PartNumber) && typeof part.ETag === 'string') {
          parts.set(part.PartNumber, part);
        }
      } catch {
        // torn write of the last line when the process was killed
      }
    }
    return { header, parts };
  }

  /** Starts a new journal (atomically replacing any old one). */
  static async create(dir: string, header: ResumeHeader): Promise<ResumeJournal> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = ResumeJournal.fileFor(dir, header.bucket, header.key);
    const temp = `${file}.${process.pid}.tmp`;
    await writeFile(temp, `${JSON.stringify(header)}\n`, { mode: 0o600 });
    await rename(temp, file);
    return new ResumeJournal(file, await open(file, 'a'));
  }

  /** Re-opens an existing journal to append to it. */
  static async reopen(dir: string, header: ResumeHeader): Promise<ResumeJournal> {
    const file = ResumeJournal.fileFor(dir, header.bucket, header.key);
    return new ResumeJournal(file, await open(file, 'a'));
  }

  static async remove(dir: string, bucket: string, key: string): Promise<void> {
    await rm(ResumeJournal.fileFor(dir, bucket, key), { force: true });
  }

  /** Records a finished part; writes are serialised so lines never interleave. */
  append(part: CompletedPart): Promise<void> {
    const line = `${JSON.stringify(part)}\n`;
    this.#writes = this.#writes.then(async () => {
      await this.#handle?.appendFile(line);
    });
    return this.#writes;
  }

  async close(): Promise<void> {
    await this.#writes.catch(() => undefined);
    await this.#handle?.close();
    this.#handle = undefined;
  }

  async delete(): Promise<void> {
    await this.close();
    await rm(this.#file, { force: true });
  }
}
