// Makes sure packages/demo/dist (which the server serves at /) is built from the current sources.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const demo = join(root, 'packages/demo');
const SOURCES = ['packages/demo/src', 'packages/demo/index.html', 'packages/demo/vite.config.ts', 'packages/react/src', 'packages/react/styles.css', 'packages/client/src'];

async function newestMtime(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.mtimeMs;
  const entries = await readdir(path);
  const times = await Promise.all(entries.map((entry) => newestMtime(join(path, entry))));
  return Math.max(info.mtimeMs, ...times);
}

/**
 * Builds only when the output is missing or older than a source: `npm test` builds first, and a
 * rebuild while other test files' servers serve that folder is best avoided.
 */
export async function ensureDemoBuilt(): Promise<void> {
  const built = await stat(join(demo, 'dist/index.html')).then((s) => s.mtimeMs, () => 0);
  const sources = Math.max(...(await Promise.all(SOURCES.map((path) => newestMtime(join(root, path))))));
  if (built > sources) return;
  await build({ configFile: join(demo, 'vite.config.ts'), logLevel: 'warn' });
}
