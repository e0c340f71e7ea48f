import { describe, expect, it } from 'vitest';
import { clientIdFromFileName, parseShard, selectShard, shardOf } from '../src/shared/shard.js';

interface File {
  path: string;
  clientId: string;
}

/** 300 samples, most paired, some with several lanes, some single-end. */
function files(): File[] {
  const out: File[] = [];
  for (let i = 0; i < 300; i++) {
    const id = `PLT${Math.floor(i / 96) + 1}-${String.fromCharCode(65 + (i % 8))}${String(i % 12).padStart(2, '0')}x${i}`;
    const lanes = i % 10 === 0 ? 4 : 1;
    for (let lane = 1; lane <= lanes; lane++) {
      out.push({ path: `run/${id}_S${i}_L00${lane}_R1_001.fastq.gz`, clientId: id });
      if (i % 7 !== 0)
        out.push({ path: `run/${id}_S${i}_L00${lane}_R2_001.fastq.gz`, clientId: id });
    }
  }
  return out;
}

describe('parseShard', () => {
  it('reads INDEX/TOTAL', () => {
    expect(parseShard('2/8')).toEqual({ index: 2, total: 8 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, total: 1 });
    expect(parseShard('256/256')).toEqual({ index: 256, total: 256 });
  });
  it.each(['0/8', '9/8', '2/0', '2', '2/8/1', 'a/b', '-1/4', '1/257', ''])('rejects %j', (text) => {
    expect(parseShard(text)).toBeUndefined();
  });
});

describe('sharding by client_id', () => {
  it.each([1, 2, 3, 8, 13])(
    '%i shards: union is everything, no overlap, no split sample',
    (total) => {
      const all = files();
      const shards = Array.from({ length: total }, (_, i) =>
        selectShard(all, (f) => clientIdFromFileName(f.path), { index: i + 1, total }),
      );
      const union = shards.flat();
      expect(union).toHaveLength(all.length);
      expect(new Set(union.map((f) => f.path)).size).toBe(all.length);
      const owner = new Map<string, number>();
      shards.forEach((shard, index) => {
        for (const file of shard) {
          expect(owner.get(file.clientId) ?? index).toBe(index);
          owner.set(file.clientId, index);
        }
      });
      if (total > 1) {
        // hashing spreads 300 samples over every shard
        for (const shard of shards) expect(shard.length).toBeGreaterThan(0);
      }
    },
  );

  it('is stable: same client_id, same shard, whatever else is in the set', () => {
    expect(shardOf('PLT4-A03', 8)).toBe(shardOf('PLT4-A03', 8));
    const alone = selectShard([{ id: 'PLT4-A03' }], (x) => x.id, {
      index: shardOf('PLT4-A03', 8),
      total: 8,
    });
    expect(alone).toHaveLength(1);
  });

  it('keeps the original order inside a shard', () => {
    const all = files();
    const shard = selectShard(all, (f) => f.clientId, { index: 3, total: 4 });
    const positions = shard.map((f) => all.indexOf(f));
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });
});

describe('clientIdFromFileName', () => {
  it('takes the part before the first underscore of the base name (spec §3.2)', () => {
    expect(clientIdFromFileName('reads/plate2/PLT4-A03_S12_L002_R2_001.fastq.gz')).toBe('PLT4-A03');
    expect(clientIdFromFileName('PLT4-A03_R1.fastq.gz')).toBe('PLT4-A03');
    expect(clientIdFromFileName('C:\\runs\\X1_R1.fq.gz')).toBe('X1');
  });
});
