import { createHash } from 'node:crypto';

/** One slice of a matrix: `index` is 1-based, as written in `shard: 2/8`. */
export interface Shard {
  index: number;
  total: number;
}

export const MAX_SHARDS = 256;

/** `"2/8"` → `{ index: 2, total: 8 }`; `undefined` when malformed or out of range. */
export function parseShard(text: string): Shard | undefined {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!match) return undefined;
  const index = Number(match[1]);
  const total = Number(match[2]);
  if (total < 1 || total > MAX_SHARDS || index < 1 || index > total) return undefined;
  return { index, total };
}

/**
 * The shard (1-based) a sample belongs to: the first 32 bits of SHA-256 of its client_id, modulo
 * the number of shards. A hash (not a sorted round-robin) keeps a sample's shard stable even when
 * matrix jobs see slightly different file sets, and every file of one client_id (R1 and R2, all
 * lanes) lands in the same shard, so a pair is never split.
 */
export function shardOf(clientId: string, total: number): number {
  const digest = createHash('sha256').update(clientId, 'utf8').digest();
  return (digest.readUInt32BE(0) % total) + 1;
}

/** The items of `shard`, in their original order. */
export function selectShard<T>(
  items: readonly T[],
  clientIdOf: (item: T) => string,
  shard: Shard,
): T[] {
  if (shard.total === 1) return [...items];
  return items.filter((item) => shardOf(clientIdOf(item), shard.total) === shard.index);
}

/**
 * The client_id the server derives from an uploaded file name (spec §3.2): the part of the base
 * name before the first underscore (`PLT4-A03_S12_L002_R2_001.fastq.gz` → `PLT4-A03`).
 */
export function clientIdFromFileName(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? path;
  const cut = base.indexOf('_');
  return cut === -1 ? base : base.slice(0, cut);
}
