import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

export const sha256 = (data: Buffer | string): string =>
  createHash('sha256').update(data).digest('hex');

/** A small gzipped FASTQ whose reads depend only on `name` (same bytes in every run). */
export function fastq(name: string, reads = 40): Buffer {
  const bases = 'ACGT';
  const lines: string[] = [];
  let state = Number.parseInt(sha256(name).slice(0, 8), 16);
  for (let i = 0; i < reads; i++) {
    let seq = '';
    for (let j = 0; j < 60; j++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      seq += bases[state >>> 30];
    }
    lines.push(`@${name}:${i}`, seq, '+', 'I'.repeat(60));
  }
  return gzipSync(`${lines.join('\n')}\n`);
}

/** Every file under `root` (relative paths, sorted). */
export async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const full = join(dir, e.name);
      if (e.isDirectory()) await walk(full);
      else out.push(relative(root, full));
    }
  };
  await walk(root);
  return out.sort();
}

/** Contents of every file under the given folders (for leak scans). */
export async function readTree(...roots: string[]): Promise<Array<{ path: string; text: string }>> {
  const out: Array<{ path: string; text: string }> = [];
  for (const root of roots) {
    for (const rel of await listFiles(root)) {
      const path = join(root, rel);
      out.push({ path, text: (await readFile(path)).toString('latin1') });
    }
  }
  return out;
}

/** Names a transfer leaves behind when it does not clean up. */
export const TEMPORARY_FILE = /(\.part|\.tmp|\.partial|~)$|(^|\/)\.gencove-/;
