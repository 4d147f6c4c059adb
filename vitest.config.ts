// Test runner configuration: every package's tests, run against the TypeScript sources.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      '@direct-upload/protocol/browser': fileURLToPath(new URL('./packages/protocol/src/browser.ts', import.meta.url)),
      '@direct-upload/protocol': src('protocol'),
      '@direct-upload/core/testing': fileURLToPath(new URL('./packages/core/testing/index.ts', import.meta.url)),
      '@direct-upload/core': src('core'),
      '@direct-upload/client': src('client'),
      '@direct-upload/react': src('react'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.{ts,tsx}', 'packages/*/test/**/*.test.{ts,tsx}', 'test/browser/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The SDK's notice about future Node versions is for operators, not test logs.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
