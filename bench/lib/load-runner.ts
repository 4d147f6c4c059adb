// Runs bench/load.ts (autocannon) in its own process on the client CPU and reads its JSON result.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { START_MARKER, type LoadResult, type LoadSpec } from './load-spec.js';
import { cpuSample, cpuSpent, type CpuSample } from './cpu.js';
import { baseEnv, sleep, startNode } from './processes.js';
import { CLIENT_CPU, ROOT, tempDir } from './servers.js';

export interface MeasuredLoad extends LoadResult {
  /** CPU the server process used during the measured run (warm-up excluded), per 2xx response, in microseconds. */
  serverCpuUsPerRequest: number | null;
  /** Share of one core the server used during the measured run: near 1 means it was the bottleneck. */
  serverBusy: number | null;
}

let specs: string | undefined;
let counter = 0;

/** Runs one load; with `serverPid`, also measures that process's CPU over the measured part. */
export async function runLoad(spec: LoadSpec, serverPid?: number): Promise<MeasuredLoad> {
  specs ??= tempDir('du-bench-load-');
  const file = join(specs, `spec-${counter++}.json`);
  writeFileSync(file, JSON.stringify(spec));
  const child = await startNode('load', CLIENT_CPU, ['--import', 'tsx', join(ROOT, 'bench/load.ts'), file], baseEnv());
  let exited = false;
  void child.exited.then(() => (exited = true));
  let start: { sample: CpuSample; at: number } | undefined;
  let end: { sample: CpuSample; at: number } | undefined;
  // Sample the server when the measured run starts and as soon as the result is printed.
  for (;;) {
    const out = child.output();
    if (serverPid !== undefined && !start && out.includes(START_MARKER)) start = { sample: cpuSample(serverPid), at: performance.now() };
    if (serverPid !== undefined && start && !end && /^\{.*\}$/m.test(out)) end = { sample: cpuSample(serverPid), at: performance.now() };
    if (exited) break;
    await sleep(start && !end ? 5 : 20);
  }
  const code = await child.exited;
  const line = child.output().trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (code !== 0 || !line) throw new Error(`load generator failed (exit ${code}):\n${child.output().slice(-2000)}`);
  const result = JSON.parse(line) as LoadResult;
  if (!start || !end) return { ...result, serverCpuUsPerRequest: null, serverBusy: null };
  const seconds = cpuSpent(start.sample, end.sample).seconds;
  return {
    ...result,
    serverCpuUsPerRequest: result.ok2xx > 0 ? (seconds * 1e6) / result.ok2xx : null,
    serverBusy: seconds / ((end.at - start.at) / 1000),
  };
}
