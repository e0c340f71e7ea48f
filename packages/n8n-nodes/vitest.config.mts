import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.mts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The harness sets N8N_USER_FOLDER and loads n8n's DI container once per file.
    pool: 'forks',
  },
});
