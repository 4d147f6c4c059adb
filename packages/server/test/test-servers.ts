// In-process servers for HTTP tests, each on its own temporary DATA_DIR, closed and removed after the file.
import { afterAll } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../src/start-server.js';

/** Returns `start(env)`; quiet defaults (no logs, no periodic sweep) that `env` may override. */
export function useTestServers(prefix: string): (env?: Record<string, string>) => Promise<RunningServer> {
  const running: Array<{ server: RunningServer; dir: string }> = [];
  afterAll(async () => {
    for (const { server, dir } of running.splice(0)) {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
  return async (env = {}) => {
    const dir = await mkdtemp(join(tmpdir(), `${prefix}-`));
    const server = await startServer({ DATA_DIR: dir, PORT: '0', LOG_LEVEL: 'silent', SWEEP_INTERVAL_SECONDS: '0', ...env });
    running.push({ server, dir });
    return server;
  };
}
