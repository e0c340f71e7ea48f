import { defineConfig } from 'vitest/config';

// The release suite (see release.test.ts): one file, steps in order, minutes rather than seconds.
export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ['release.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    fileParallelism: false,
  },
});
