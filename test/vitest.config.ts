import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['n8n-e2e/**', 'release/**', '**/node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // suites start sandboxes and spawn the CLI: one file at a time keeps a 2-core CI machine sane
    fileParallelism: false,
    // the AWS SDK's notice about its future Node.js requirement is not ours to print in test logs
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
