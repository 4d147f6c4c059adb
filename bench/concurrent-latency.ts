// Benchmark (c): latency of `create` and of `complete` at 200 concurrent connections.
import { createUpload, pooled, transfer } from './lib/api-client.js';
import type { TestImage } from './lib/images.js';
import { signToken } from './lib/jwt.js';
import { runLoad, type MeasuredLoad } from './lib/load-runner.js';
import { JWT_SECRET, type Running } from './lib/servers.js';
import { median } from './lib/stats.js';
import { CREATE_BODY } from './presign-throughput.js';

export interface LatencyOptions {
  rounds: number;
  connections: number;
  createSeconds: number;
  warmupSeconds: number;
  /** `complete` calls per round; each completes a different, already transferred upload. */
  completesPerRound: number;
}

export interface LatencySummary {
  latencyMs: { p50: number; p99: number };
  rps: number;
  requests: number;
  non2xx: number;
  errors: number;
  statusCodes: Record<string, number>;
  /** Median share of its core the API used while measured. */
  serverBusy: number;
}

export interface LatencyReport {
  options: LatencyOptions;
  create: LatencySummary;
  complete: LatencySummary;
  runs: Array<{ round: number; kind: 'create' | 'complete'; result: MeasuredLoad }>;
}

/** A margin of pool entries over calls, in case a connection is re-established and prepares a request again. */
const slack = (connections: number) => Math.ceil(connections / 4);

function summarize(results: MeasuredLoad[]): LatencySummary {
  const statusCodes: Record<string, number> = {};
  for (const result of results) for (const [code, count] of Object.entries(result.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + count;
  return {
    latencyMs: { p50: median(results.map((r) => r.latencyMs.p50)), p99: median(results.map((r) => r.latencyMs.p99)) },
    rps: median(results.map((r) => r.rps)),
    requests: results.reduce((sum, r) => sum + r.ok2xx + r.non2xx, 0),
    non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
    errors: results.reduce((sum, r) => sum + r.errors + r.timeouts, 0),
    statusCodes,
    serverBusy: median(results.map((r) => r.serverBusy ?? NaN)),
  };
}

export async function concurrentLatency(api: Running, image: TestImage, options: LatencyOptions, log: (line: string) => void): Promise<LatencyReport> {
  // The pool for `complete`: created and transferred beforehand (not measured), spread over a few owners.
  const perRound = options.completesPerRound + slack(options.connections);
  const tokens = Array.from({ length: 20 }, (_, i) => signToken(JWT_SECRET, `bench-pool-${Date.now()}-${i}`));
  const pool: Array<{ id: string; token: string }> = new Array(perRound * options.rounds);
  const started = Date.now();
  await pooled(pool.length, 16, async (i) => {
    const token = tokens[i % tokens.length]!;
    const created = await createUpload(api.url, token, image, 'small.png');
    await transfer(created.target, image);
    pool[i] = { id: created.id, token };
  });
  log(`  c. ${pool.length} uploads created and transferred for the complete runs (${((Date.now() - started) / 1000).toFixed(1)} s)`);

  const runs: LatencyReport['runs'] = [];
  for (let round = 0; round < options.rounds; round++) {
    const create = await runLoad({
      kind: 'post',
      url: `${api.url}/api/uploads`,
      connections: options.connections,
      duration: options.createSeconds,
      warmupSeconds: options.warmupSeconds,
      body: CREATE_BODY,
      jwtSecret: JWT_SECRET,
      maxSeconds: options.createSeconds + 15,
    }, api.child.pid);
    runs.push({ round, kind: 'create', result: create });
    const complete = await runLoad({
      kind: 'complete',
      url: api.url,
      connections: options.connections,
      amount: options.completesPerRound,
      pool: pool.slice(round * perRound, (round + 1) * perRound),
      maxSeconds: 60,
    }, api.child.pid);
    runs.push({ round, kind: 'complete', result: complete });
    log(
      `  c. round ${round + 1}/${options.rounds}: create p50/p99 ${create.latencyMs.p50}/${create.latencyMs.p99} ms (non-2xx ${create.non2xx}), ` +
        `complete p50/p99 ${complete.latencyMs.p50}/${complete.latencyMs.p99} ms (non-2xx ${complete.non2xx}, ${complete.poolUsed}/${perRound} pool entries used)`,
    );
  }
  return {
    options,
    create: summarize(runs.filter((r) => r.kind === 'create').map((r) => r.result)),
    complete: summarize(runs.filter((r) => r.kind === 'complete').map((r) => r.result)),
    runs,
  };
}
