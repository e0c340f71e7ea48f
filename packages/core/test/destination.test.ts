import { describe, expect, it } from 'vitest';
import {
  generateDestination,
  hasFastqExtension,
  normalizeDestination,
} from '../src/jobs/destination.js';

describe('normalizeDestination', () => {
  it.each([
    ['gncv://run-a', 'gncv://run-a/'],
    ['gncv://run-a/', 'gncv://run-a/'],
    ['gncv://run-a///', 'gncv://run-a/'],
    ['gncv://plate/7', 'gncv://plate/7/'],
    ['gncv://', 'gncv://'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeDestination(input)).toBe(expected);
  });

  it.each(['s3://bucket/x', 'run-a', 'gncv:/run', 'gncv://a//b', 'gncv://a/../b'])(
    'rejects %s with a message naming it',
    (input) => {
      expect(() => normalizeDestination(input)).toThrow(input);
    },
  );
});

describe('generateDestination', () => {
  it('follows the official pattern', () => {
    const dest = generateDestination('cli-url', new Date('2026-01-05T09:14:03.118Z'));
    expect(dest).toMatch(/^gncv:\/\/cli-url-20260105091403-[0-9a-f]{32}\/$/);
  });
});

describe('hasFastqExtension', () => {
  it('accepts the four extensions case-insensitively unless asked otherwise', () => {
    expect(hasFastqExtension('a_R1.FASTQ.GZ')).toBe(true);
    expect(hasFastqExtension('a_R1.fq.bgz')).toBe(true);
    expect(hasFastqExtension('a_R1.fastq')).toBe(false);
    expect(hasFastqExtension('a_R1.FASTQ.GZ', true)).toBe(false);
  });
});
