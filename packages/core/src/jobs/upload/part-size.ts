export const MIB = 1024 * 1024;
/** S3 limits: at most 10 000 parts of 5 MiB … 5 GiB (the last part may be smaller). */
export const MAX_PARTS = 10_000;
export const MIN_PART_SIZE = 5 * MIB;
export const MAX_PART_SIZE = 5 * 1024 * MIB;
/** Preferred part size: small enough for many parts in flight, large enough to keep requests few. */
export const DEFAULT_PART_SIZE = 8 * MIB;

/**
 * Part size for an object of `size` bytes: the preferred size, raised (in whole MiB) as far as
 * needed to stay within 10 000 parts, so any object up to 5 TiB fits.
 */
export function choosePartSize(size: number, preferred = DEFAULT_PART_SIZE): number {
  const needed = Math.ceil(size / MAX_PARTS / MIB) * MIB;
  return Math.min(MAX_PART_SIZE, Math.max(preferred, needed, MIN_PART_SIZE));
}

export function partCount(size: number, partSize: number): number {
  return Math.max(1, Math.ceil(size / partSize));
}

/** Byte range `[start, end)` of 1-based part `n`. */
export function partRange(n: number, partSize: number, size: number): [number, number] {
  const start = (n - 1) * partSize;
  return [start, Math.min(size, start + partSize)];
}
