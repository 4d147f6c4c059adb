// Builds the demo page into packages/demo/dist, compiling the SDK and widget from their sources.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: '/',
  plugins: [react()],
  resolve: {
    // The workspace packages' sources, so the demo builds without their dist and tracks every edit.
    alias: [
      { find: /^@direct-upload\/protocol\/browser$/, replacement: here('../protocol/src/browser.ts') },
      { find: /^@direct-upload\/client$/, replacement: here('../client/src/index.ts') },
      { find: /^@direct-upload\/react$/, replacement: here('../react/src/index.ts') },
      { find: /^@direct-upload\/react\/styles\.css$/, replacement: here('../react/styles.css') },
    ],
  },
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    sourcemap: true,
  },
  server: {
    // `vite` (dev) next to a running API on :3000: the page and the API then share one origin.
    proxy: {
      '/api': 'http://127.0.0.1:3000',
      '/storage': 'http://127.0.0.1:3000',
      '/files': 'http://127.0.0.1:3000',
    },
  },
});
