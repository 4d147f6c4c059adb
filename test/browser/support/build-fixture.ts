// Builds a fixture page with Vite (React, the workspace packages from source) into a folder.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { build } from 'vite';

const at = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export async function buildFixture(name: string, outDir: string, base: string): Promise<void> {
  await build({
    configFile: false,
    root: at(`../fixtures/${name}`),
    base,
    logLevel: 'warn',
    plugins: [react()],
    resolve: {
      alias: [
        { find: /^@direct-upload\/client$/, replacement: at('../../../packages/client/src/index.ts') },
        { find: /^@direct-upload\/react$/, replacement: at('../../../packages/react/src/index.ts') },
      ],
    },
    build: { outDir, emptyOutDir: true },
  });
}
