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
  /**
   * Processes started for each server (the echo and each API): one process of the same build can run
   * several percent faster or slower than another for its whole life (memory layout, JIT decisions),
   * so every figure of a round is the mean over its processes.
   */
  processes: number;
}

/** Below this share of its core, the echo was not the limit of its own runs: the load generator was. */
export const ECHO_SATURATED = 0.85;

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
  /**
   * Whether the req/s ratio measures the servers: false when the echo was not saturated (below
   * ECHO_SATURATED busy), so its req/s, and the ratio with it, measure the load generator instead.
   */
  echoSaturated: boolean;
  latencyMs: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}

export interface PresignReport {
  options: PresignOptions;
  echo: { rps: number; latencyMs: { p50: number; p99: number }; non2xx: number; errors: number; cpuUsPerRequest: number; serverBusy: number };
  storages: Record<string, PresignSummary>;
  runs: Array<{ round: number; target: string; process: number; result: MeasuredLoad }>;
}

/** The create request of a 2 MiB JPEG with its checksum, as the browser SDK sends it. */
export const CREATE_BODY = JSON.stringify({
  filename: 'photo.jpg',
  contentType: 'image/jpeg',
  size: 2 * 1024 * 1024,
  checksum: { algorithm: 'sha256', value: 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=' },
});

const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;

/** One round's figures of a target: the means over its processes. */
interface RoundFigures {
  rps: number;
  cpuUs: number;
  busy: number;
  p50: number;
  p99: number;
}

export async function presignThroughput(
  echo: Running[],
  apis: Record<string, Running[]>,
  options: PresignOptions,
  log: (line: string) => void,
): Promise<PresignReport> {
  const targets: Array<[string, number, Running]> = [
    ...echo.map((server, i) => ['echo', i, server] as [string, number, Running]),
    ...Object.entries(apis).flatMap(([name, servers]) => servers.map((server, i) => [name, i, server] as [string, number, Running])),
  ];
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
  for (const [, , server] of targets) await load(server, options.prewarmSeconds, 0);
  for (let round = 0; round < options.rounds; round++) {
    // Rotate the order each round, so no process always runs first (or right after another).
    const order = targets.map((_, i) => targets[(i + round) % targets.length]!);
    for (const [name, process, server] of order) {
      const result = await load(server, options.durationSeconds, options.warmupSeconds);
      runs.push({ round, target: name, process, result });
      log(
        `  a. round ${round + 1}/${options.rounds} ${name} #${process + 1}: ${Math.round(result.rps)} req/s, p99 ${result.latencyMs.p99} ms, non-2xx ${result.non2xx}, ` +
          `server ${result.serverCpuUsPerRequest?.toFixed(0)} us CPU/request, ${((result.serverBusy ?? 0) * 100).toFixed(0)}% busy`,
      );
    }
  }
  const of = (target: string) => runs.filter((r) => r.target === target);
  const figures = (target: string, round: number): RoundFigures => {
    const mine = runs.filter((r) => r.target === target && r.round === round).map((r) => r.result);
    return {
      rps: mean(mine.map((r) => r.rps)),
      cpuUs: mean(mine.map((r) => r.serverCpuUsPerRequest ?? NaN)),
      busy: mean(mine.map((r) => r.serverBusy ?? NaN)),
      p50: mean(mine.map((r) => r.latencyMs.p50)),
      p99: mean(mine.map((r) => r.latencyMs.p99)),
    };
  };
  const rounds = [...Array(options.rounds).keys()];
  const echoRounds = rounds.map((round) => figures('echo', round));
  const echoBusy = median(echoRounds.map((f) => f.busy));
  const totals = (target: string) => {
    const mine = of(target);
    return { non2xx: mine.reduce((sum, r) => sum + r.result.non2xx, 0), errors: mine.reduce((sum, r) => sum + r.result.errors + r.result.timeouts, 0) };
  };
  const storages: Record<string, PresignSummary> = {};
  for (const name of Object.keys(apis)) {
    const mine = rounds.map((round) => figures(name, round));
    const ratios = rounds.map((round) => mine[round]!.rps / echoRounds[round]!.rps);
    storages[name] = {
      ratio: median(ratios),
      ratios,
      cpuRatio: median(rounds.map((round) => echoRounds[round]!.cpuUs / mine[round]!.cpuUs)),
      rps: median(mine.map((f) => f.rps)),
      echoRps: median(echoRounds.map((f) => f.rps)),
      cpuUsPerRequest: median(mine.map((f) => f.cpuUs)),
      serverBusy: median(mine.map((f) => f.busy)),
      echoSaturated: echoBusy >= ECHO_SATURATED,
      latencyMs: { p50: median(mine.map((f) => f.p50)), p99: median(mine.map((f) => f.p99)) },
      ...totals(name),
    };
  }
  return {
    options,
    echo: {
      rps: median(echoRounds.map((f) => f.rps)),
      latencyMs: { p50: median(echoRounds.map((f) => f.p50)), p99: median(echoRounds.map((f) => f.p99)) },
      ...totals('echo'),
      cpuUsPerRequest: median(echoRounds.map((f) => f.cpuUs)),
      serverBusy: echoBusy,
    },
    storages,
    runs,
  };
}
