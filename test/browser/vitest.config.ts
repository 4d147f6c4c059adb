// Runs the browser tests with the root configuration, until the root `include` lists test/browser.
import { defineConfig } from 'vitest/config';
import base from '../../vitest.config.js';

export default defineConfig({
  ...base,
  test: { ...base.test, include: ['test/browser/**/*.test.ts'] },
});
