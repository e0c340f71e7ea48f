import { createHash } from 'node:crypto';

/**
 * A counter-based PRNG: the draws for the n-th request of a key depend only on (seed, key, n),
 * never on what other keys did before. That is what makes a chaos run reproducible although
 * requests of different resources interleave differently from one run to the next.
 */
export function draws(seed: number, key: string, n: number): [number, number] {
  const digest = createHash('sha256').update(`${seed}\u0000${key}\u0000${n}`).digest();
  return [digest.readUInt32BE(0) / 2 ** 32, digest.readUInt32BE(4) / 2 ** 32];
}
