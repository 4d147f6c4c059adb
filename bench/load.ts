// The load generator, run in its own process (pinned by the caller): one autocannon run, results as JSON.
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import autocannon, { type Options, type Result } from 'autocannon';
import { signToken } from './lib/jwt.js';
import { START_MARKER, type CompleteSpec, type LoadResult, type LoadSpec, type PostSpec } from './lib/load-spec.js';

function run(options: Options, maxSeconds: number): Promise<Result> {
  const instance = autocannon(options);
  const timer = setTimeout(() => instance.stop(), maxSeconds * 1000);
  return Promise.resolve(instance).finally(() => clearTimeout(timer));
}

/** Distinct owners one post run cycles through: each sees a handful of requests, as real users do. */
const OWNERS_PER_RUN = 20_000;

function postOptions(spec: PostSpec, duration: number): Options {
  const runId = randomUUID().slice(0, 8);
  // Signed before the run starts, so the load generator spends nothing on tokens while measuring.
  const authorizations = Array.from({ length: OWNERS_PER_RUN }, (_, i) => `Bearer ${signToken(spec.jwtSecret, `bench-${runId}-${i}`)}`);
  let next = 0;
  return {
    url: spec.url,
    connections: spec.connections,
    duration,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        body: spec.body,
        // A different owner on every request: no owner piles up thousands of pending uploads (the
        // per-owner count stays what it is in real use) and per-owner limits never refuse.
        setupRequest: (request) => ({
          ...request,
          headers: { 'content-type': 'application/json', authorization: authorizations[next++ % OWNERS_PER_RUN]! },
        }),
      },
    ],
  };
}

/** How many pool entries the `complete` run handed out (each at most once). */
let poolUsed = 0;

function completeOptions(spec: CompleteSpec): Options {
  const base = spec.url.replace(/\/+$/, '');
  return {
    url: base,
    connections: spec.connections,
    amount: spec.amount,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        // Each upload is completed once: the pool hands out every entry at most one time.
        setupRequest: (request) => {
          const entry = spec.pool[poolUsed++];
          const id = entry?.id ?? '00000000-0000-4000-8000-000000000000';
          return { ...request, method: 'POST', path: `/api/uploads/${id}/complete`, headers: { authorization: `Bearer ${entry?.token ?? 'none'}` } };
        },
      },
    ],
  };
}

function summarize(result: Result): LoadResult {
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, Number(count)]));
  const ok2xx = Object.entries(statusCodes).reduce((sum, [code, count]) => (code.startsWith('2') ? sum + count : sum), 0);
  return {
    durationSeconds: result.duration,
    ok2xx,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    rps: ok2xx / result.duration,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, average: result.latency.average },
    statusCodes,
    ...(poolUsed > 0 ? { poolUsed } : {}),
  };
}

async function main(): Promise<void> {
  const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as LoadSpec;
  let result: Result;
  if (spec.kind === 'post') {
    if (spec.warmupSeconds > 0) await run(postOptions(spec, spec.warmupSeconds), spec.warmupSeconds + 10);
    process.stdout.write(`${START_MARKER}\n`);
    result = await run(postOptions(spec, spec.duration), spec.maxSeconds);
  } else {
    process.stdout.write(`${START_MARKER}\n`);
    result = await run(completeOptions(spec), spec.maxSeconds);
  }
  process.stdout.write(`${JSON.stringify(summarize(result))}\n`);
}

await main();
