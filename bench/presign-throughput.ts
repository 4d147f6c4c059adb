// Benchmark (a): requests/s of POST /api/uploads divided by those of a bare Fastify echo, side by side.
import { runLoad, type MeasuredLoad } from './lib/load-runner.js';
import { JWT_SECRET, type Running } from './lib/servers.js';
import { median } from './lib/stats.js';

export interface PresignOptions {
  rounds: number;
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  /** An unrecorded run against each target before the first round: a fresh API needs thousands of requests to reach its steady speed. */
  prewarmSeconds: number;
}

export interface PresignSummary {
  /** Median over rounds of (presign 2xx/s) / (echo 2xx/s) of the same round. */
  ratio: number;
  ratios: number[];
  /**
   * Median over rounds of (echo server CPU per request) / (API CPU per request): the throughput ratio
   * both would reach if each had its core to itself; it holds even when the load generator, not the
   * server, is what limits a run (see serverBusy).
   */
  cpuRatio: number;
  rps: number;
  echoRps: number;
  cpuUsPerRequest: number;
  /** Median share of its core the API used while measured (near 1: the API was the bottleneck). */
  serverBusy: number;
  latencyMs: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}

export interface PresignReport {
  options: PresignOptions;
  echo: { rps: number; latencyMs: { p50: number; p99: number }; non2xx: number; errors: number; cpuUsPerRequest: number; serverBusy: number };
  storages: Record<string, PresignSummary>;
  runs: Array<{ round: number; target: string; result: MeasuredLoad }>;
}

/** The create request of a 2 MiB JPEG with its checksum, as the browser SDK sends it. */
export const CREATE_BODY = JSON.stringify({
  filename: 'photo.jpg',
  contentType: 'image/jpeg',
  size: 2 * 1024 * 1024,
  checksum: { algorithm: 'sha256', value: 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=' },
});

export async function presignThroughput(
  echo: Running,
  apis: Record<string, Running>,
  options: PresignOptions,
  log: (line: string) => void,
): Promise<PresignReport> {
  const targets: Array<[string, Running]> = [['echo', echo], ...Object.entries(apis)];
  const runs: PresignReport['runs'] = [];
  const load = (server: Running, duration: number, warmupSeconds: number) =>
    runLoad(
      {
        kind: 'post',
        url: `${server.url}/api/uploads`,
        connections: options.connections,
        duration,
        warmupSeconds,
        body: CREATE_BODY,
        jwtSecret: JWT_SECRET,
        maxSeconds: duration + warmupSeconds + 15,
      },
      server.child.pid,
    );
  for (const [, server] of targets) await load(server, options.prewarmSeconds, 0);
  for (let round = 0; round < options.rounds; round++) {
    // Rotate the order each round, so no target always runs first (or right after another).
    const order = targets.map((_, i) => targets[(i + round) % targets.length]!);
    for (const [name, server] of order) {
      const result = await load(server, options.durationSeconds, options.warmupSeconds);
      runs.push({ round, target: name, result });
      log(
        `  a. round ${round + 1}/${options.rounds} ${name}: ${Math.round(result.rps)} req/s, p99 ${result.latencyMs.p99} ms, non-2xx ${result.non2xx}, ` +
          `server ${result.serverCpuUsPerRequest?.toFixed(0)} us CPU/request, ${((result.serverBusy ?? 0) * 100).toFixed(0)}% busy`,
      );
    }
  }
  const of = (target: string) => runs.filter((r) => r.target === target);
  const echoRuns = of('echo');
  const storages: Record<string, PresignSummary> = {};
  for (const name of Object.keys(apis)) {
    const mine = of(name);
    const echoOf = (round: number) => echoRuns.find((e) => e.round === round)!.result;
    const ratios = mine.map((run) => run.result.rps / echoOf(run.round).rps);
    const cpuRatios = mine.map((run) => (echoOf(run.round).serverCpuUsPerRequest ?? NaN) / (run.result.serverCpuUsPerRequest ?? NaN));
    storages[name] = {
      ratio: median(ratios),
      ratios,
      cpuRatio: median(cpuRatios),
      rps: median(mine.map((r) => r.result.rps)),
      echoRps: median(echoRuns.map((r) => r.result.rps)),
      cpuUsPerRequest: median(mine.map((r) => r.result.serverCpuUsPerRequest ?? NaN)),
      serverBusy: median(mine.map((r) => r.result.serverBusy ?? NaN)),
      latencyMs: { p50: median(mine.map((r) => r.result.latencyMs.p50)), p99: median(mine.map((r) => r.result.latencyMs.p99)) },
      non2xx: mine.reduce((sum, r) => sum + r.result.non2xx, 0),
      errors: mine.reduce((sum, r) => sum + r.result.errors + r.result.timeouts, 0),
    };
  }
  return {
    options,
    echo: {
      rps: median(echoRuns.map((r) => r.result.rps)),
      latencyMs: { p50: median(echoRuns.map((r) => r.result.latencyMs.p50)), p99: median(echoRuns.map((r) => r.result.latencyMs.p99)) },
      non2xx: echoRuns.reduce((sum, r) => sum + r.result.non2xx, 0),
      errors: echoRuns.reduce((sum, r) => sum + r.result.errors + r.result.timeouts, 0),
      cpuUsPerRequest: median(echoRuns.map((r) => r.result.serverCpuUsPerRequest ?? NaN)),
      serverBusy: median(echoRuns.map((r) => r.result.serverBusy ?? NaN)),
    },
    storages,
    runs,
  };
}
