// `npm run bench`: the benchmarks whose figures are ratios measured side by side in one run; table + JSON.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { join } from 'node:path';
import { concurrentLatency, type LatencyReport } from './concurrent-latency.js';
import { cpuPerUpload, cpuVerdict, type CpuReport } from './cpu-per-upload.js';
import { jpegOfSize, smallPng } from './lib/images.js';
import { watchMachine } from './lib/machine.js';
import { createDatabase, postgresAnswers, POSTGRES_URL, type BenchDatabase } from './lib/postgres.js';
import { sleep, stopAll, terminateAllNow } from './lib/processes.js';
import {
  apiEnv,
  CLI,
  CLIENT_CPU,
  removeTempDirs,
  requireBuild,
  ROOT,
  s3Env,
  SERVER_CPU,
  startApi,
  startEcho,
  startS3,
  startTwoHop,
  startWorker,
} from './lib/servers.js';
import { fixed, int, markdownTable, pct } from './lib/table.js';
import { ECHO_SATURATED, presignThroughput, type PresignReport, type PresignSummary } from './presign-throughput.js';
import { overheadRows, workerOverhead, type OverheadReport } from './worker-overhead.js';
import { loadConfig } from '../packages/server/src/config/config.js';

/*
 * Needs a build (`npm run build`): the API under test is packages/server/dist/cli.js, as deployed.
 * BENCH_QUICK=1 runs every part with the smallest counts (a smoke test of the script, not figures);
 * BENCH_PARTS=a,b,c,d (default all) runs only some parts.
 */
const QUICK = process.env.BENCH_QUICK === '1';
const PARTS = new Set((process.env.BENCH_PARTS ?? 'a,b,c,d').split(',').map((p) => p.trim()));
const MiB = 1024 * 1024;
/** Least acceptable presign ÷ echo throughput ratio (part a). */
const PRESIGN_TARGET = 0.45;
/** The whole run stops by itself after this, children included. */
const HARD_LIMIT_MS = 12 * 60_000;

const SETTINGS = {
  presign: { rounds: QUICK ? 3 : 5, connections: 50, durationSeconds: QUICK ? 1 : 3, warmupSeconds: 1, prewarmSeconds: QUICK ? 1 : 3, processes: QUICK ? 1 : 2 },
  cpu: { rounds: QUICK ? 1 : 3, uploads2: QUICK ? 3 : 20, uploads20: QUICK ? 2 : 10, warmupUploads: QUICK ? 20 : 1500, warmupLanes: 16 },
  latency: { rounds: QUICK ? 1 : 3, connections: 200, createSeconds: QUICK ? 1 : 3, warmupSeconds: 1, completesPerRound: QUICK ? 400 : 800 },
  // WORKERS' default read here, before the benchmark pins itself to one core (see OverheadSettings.workers).
  overhead: { rounds: QUICK ? 1 : 7, images: QUICK ? 4 : 10, photos: 3, warmup: !QUICK, workers: loadConfig({}).processing.workers },
};

const log = (line: string) => process.stdout.write(`${line}\n`);
/** What an abrupt exit (a signal, the time limit) must still undo: the throw-away database. */
const onAbort = new Set<() => Promise<unknown>>();

async function main(): Promise<void> {
  const startedAt = new Date();
  const machineLoad = watchMachine();
  requireBuild();
  // The orchestrator (the client of part b, and the one making the pools) stays off the server's CPU.
  execFileSync('taskset', ['-a', '-p', '-c', String(CLIENT_CPU), String(process.pid)], { stdio: 'ignore' });
  log(`direct-upload benchmarks: server under test on CPU ${SERVER_CPU}, load generator and everything else on CPU ${CLIENT_CPU}${QUICK ? ' (BENCH_QUICK: smoke counts, not figures)' : ''}`);

  const { s3 } = await startS3();
  const [image2, image20, tiny] = [await jpegOfSize(2 * MiB), await jpegOfSize(20 * MiB), await smallPng()];

  let presign: PresignReport | null = null;
  let latency: LatencyReport | null = null;
  let cpu: CpuReport | null = null;

  // a. Presign throughput against the echo; c. latency at 200 connections (the same S3 API, on SQLite).
  if (PARTS.has('a') || PARTS.has('c')) {
    const apiS3 = await startApi('api-s3', apiEnv(s3Env(s3)));
    if (PARTS.has('a')) {
      log('a. presign throughput (req/s of POST /api/uploads / req/s of a bare Fastify echo)');
      const more = SETTINGS.presign.processes - 1;
      const echo = [await startEcho()];
      const s3Apis = [apiS3];
      const diskApis = [await startApi('api-disk', apiEnv({ STORAGE: 'disk' }))];
      for (let i = 0; i < more; i++) {
        echo.push(await startEcho());
        s3Apis.push(await startApi(`api-s3-${i + 2}`, apiEnv(s3Env(s3))));
        diskApis.push(await startApi(`api-disk-${i + 2}`, apiEnv({ STORAGE: 'disk' })));
      }
      presign = await presignThroughput(echo, { s3: s3Apis, disk: diskApis }, SETTINGS.presign, log);
      // The first S3 API goes on to (c).
      await Promise.all([...echo, ...s3Apis.slice(1), ...diskApis].map((server) => server.child.stop()));
    }
    if (PARTS.has('c')) {
      log('c. latency of create and complete at 200 concurrent connections');
      latency = await concurrentLatency(apiS3, tiny, SETTINGS.latency, log);
    }
    await apiS3.child.stop();
  }

  // b. API CPU per upload, direct vs 2-hop.
  if (PARTS.has('b')) {
    log('b. API CPU per upload, direct flow / 2-hop proxy');
    let db: BenchDatabase | null = null;
    try {
      if (await postgresAnswers()) {
        db = await createDatabase();
        onAbort.add(db.drop);
      }
      else log(`  PostgreSQL does not answer at ${POSTGRES_URL}: falling back to SQLite, --no-worker, COMPLETE_WAIT_MS=0 (no processing at all)`);
      // With a worker, `complete` waits for processing as deployed (COMPLETE_WAIT_MS at its default).
      const { COMPLETE_WAIT_MS: handOffOnly, ...waiting } = apiEnv({ ...s3Env(s3), ...(db ? { DATABASE_URL: db.url } : {}) });
      const api = await startApi('api-direct', db ? waiting : { ...waiting, COMPLETE_WAIT_MS: handOffOnly! });
      if (db) await startWorker(apiEnv({ ...s3Env(s3), DATABASE_URL: db.url, WORKERS: '2' }));
      const proxy = await startTwoHop(s3);
      const echo = await startEcho();
      cpu = await cpuPerUpload(
        { api, proxy, db, echo },
        [
          { label: '2 MiB', image: image2, uploads: SETTINGS.cpu.uploads2, target: 0.2 },
          { label: '20 MiB', image: image20, uploads: SETTINGS.cpu.uploads20, target: 0.03 },
        ],
        SETTINGS.cpu.rounds,
        { image: tiny, uploads: SETTINGS.cpu.warmupUploads, lanes: SETTINGS.cpu.warmupLanes },
        log,
      );
    } finally {
      await stopAll();
      if (db) onAbort.delete(db.drop);
      await db?.drop().catch((error: unknown) => log(`could not drop ${db?.url}: ${String(error)}`));
    }
  }

  // d. Worker overhead: its own s3rver, database, API and worker processes, all stopped before it returns.
  let overhead: OverheadReport | null = null;
  if (PARTS.has('d')) {
    log('d. worker overhead (images/s of `direct-upload worker` / images/s of a bare sharp script, 24 MP JPEGs)');
    overhead = await workerOverhead(SETTINGS.overhead, log, onAbort);
  }

  const finishedAt = new Date();
  const load = machineLoad();
  const table = renderTable(presign, cpu, latency, overhead ? overheadRows(overhead) : []);
  log('');
  log(table);
  if (cpu) {
    log(`\n${cpu.note}`);
    if (cpu.echoRequestMs !== null) {
      log(`b: for scale, one request to the bare Fastify echo, sent one at a time, cost ${fixed(cpu.echoRequestMs, 2)} ms of server CPU; the idle API used ${fixed(cpu.apiIdleMsPerSecond, 1)} ms per second.`);
    }
  }
  const refused = [
    ...Object.entries(presign?.storages ?? {}).map(([name, s]) => [`a (${name})`, s.non2xx + s.errors] as const),
    ['a (echo)', (presign?.echo.non2xx ?? 0) + (presign?.echo.errors ?? 0)] as const,
    ['c (create)', (latency?.create.non2xx ?? 0) + (latency?.create.errors ?? 0)] as const,
    ['c (complete)', (latency?.complete.non2xx ?? 0) + (latency?.complete.errors ?? 0)] as const,
  ].filter(([, count]) => count > 0);
  for (const [figure, count] of refused) log(`WARNING: ${figure} had ${count} non-2xx responses or errors; its figures count only 2xx`);
  log(
    `machine: load average ${load.loadAverageAtStart.toFixed(2)} at start, ${load.loadAverageAtEnd.toFixed(2)} at end; ` +
      `both cores ${Math.round(load.busyShare * 100)}% busy over the run (this benchmark included)` +
      (load.loadAverageAtStart > 1 ? ': other work was running, so absolute figures are low and ratios noisier than usual' : ''),
  );
  const report = {
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    quick: QUICK,
    parts: [...PARTS].sort(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, kernel: release(), node: process.version, load },
    pinning: { server: SERVER_CPU, everythingElse: CLIENT_CPU },
    /** The build measured (BENCH_CLI, when set, names another build than this checkout's). */
    cli: CLI.startsWith(ROOT) ? CLI.slice(ROOT.length) : CLI,
    images: { '2 MiB': { bytes: image2.bytes.length, width: image2.width, height: image2.height }, '20 MiB': { bytes: image20.bytes.length, width: image20.width, height: image20.height } },
    table,
    presign,
    cpuPerUpload: cpu,
    latency,
    workerOverhead: overhead,
  };
  const dir = join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${startedAt.toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}${QUICK ? '-quick' : ''}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  log(`\nwritten ${file.slice(ROOT.length)} in ${((finishedAt.getTime() - startedAt.getTime()) / 1000).toFixed(0)} s`);
}

/**
 * PASS only when both the req/s ratio and the CPU ratio reach the target: with the echo short of
 * saturation its req/s measure the load generator and inflate the req/s ratio (the CPU ratio, the
 * throughput ratio each would reach with its core to itself, does not depend on that).
 */
function presignVerdict(s: PresignSummary): string {
  const verdict = s.ratio >= PRESIGN_TARGET && s.cpuRatio >= PRESIGN_TARGET ? 'PASS' : 'MISS';
  return s.echoSaturated ? verdict : `${verdict} (echo under ${pct(ECHO_SATURATED)} busy: read the CPU ratio)`;
}

function renderTable(presign: PresignReport | null, cpu: CpuReport | null, latency: LatencyReport | null, moreRows: string[][] = []): string {
  const rows: string[][] = [];
  for (const [storage, s] of Object.entries(presign?.storages ?? {})) {
    const { echo, options } = presign!;
    rows.push([
      `a. presign req/s ÷ Fastify echo req/s, STORAGE=${storage}`,
      fixed(s.ratio, 3),
      `>= ${PRESIGN_TARGET} ${presignVerdict(s)}`,
      `${int(s.rps)} vs ${int(s.echoRps)} req/s (server busy ${pct(s.serverBusy)} vs ${pct(echo.serverBusy)}); ` +
        `server CPU/request ${int(s.cpuUsPerRequest)} vs ${int(echo.cpuUsPerRequest)} us (ratio ${fixed(s.cpuRatio, 3)}); ` +
        `p50/p99 ${fixed(s.latencyMs.p50, 1)}/${fixed(s.latencyMs.p99, 1)} ms (echo ${fixed(echo.latencyMs.p50, 1)}/${fixed(echo.latencyMs.p99, 1)}); ` +
        `non-2xx ${s.non2xx} (echo ${echo.non2xx}), errors ${s.errors}; ${options.connections} connections, ${options.rounds} rounds of ${options.processes} processes each`,
    ]);
  }
  for (const c of cpu?.cases ?? []) {
    rows.push([
      `b. API CPU per upload, direct ÷ 2-hop, ${c.label}`,
      fixed(c.ratio, 3),
      `<= ${c.target} ${cpuVerdict(c)}`,
      `${fixed(c.direct.total, 2)} ms vs ${fixed(c.twoHopMs, 2)} ms per upload (direct: create ${fixed(c.direct.create, 2)} + complete ${fixed(c.direct.complete, 2)}` +
        ` in ${fixed(c.direct.completeCalls, 2)} calls, answered after ${fixed(c.direct.completeWallMs, 0)} ms` +
        `; the whole loop ${fixed(c.direct.loopMs, 2)} ms per upload); ${c.uploads} uploads x ${cpu!.rounds} rounds after ${cpu!.warmup.uploads} warm-up uploads; ${cpu!.mode}` +
        (c.floorRatio === null ? '' : `; floor (two bare echo requests, ${fixed(cpu!.echoRequestMs!, 2)} ms each, ÷ 2-hop) ${fixed(c.floorRatio, 3)}`),
    ]);
  }
  const pairs = latency ? ([['create', latency.create], ['complete (hand-off, 202)', latency.complete]] as const) : [];
  for (const [name, s] of pairs) {
    rows.push([
      `c. ${name} latency at ${latency!.options.connections} connections`,
      '–',
      '–',
      `p50 ${fixed(s.latencyMs.p50, 1)} ms, p99 ${fixed(s.latencyMs.p99, 1)} ms; ${int(s.rps)} req/s (API busy ${pct(s.serverBusy)}); ` +
        `${int(s.requests)} requests, non-2xx ${s.non2xx}, errors ${s.errors}; ${latency!.options.rounds} rounds`,
    ]);
  }
  rows.push(...moreRows);
  return markdownTable(['figure', 'ratio (median)', 'target', 'absolute figures (medians)'], rows);
}

/** Stops the children, undoes what must be undone (5 s at most), and exits. */
async function abort(reason: string, code: number): Promise<never> {
  process.stderr.write(`${reason}: stopping everything\n`);
  terminateAllNow();
  await Promise.race([Promise.allSettled([...onAbort].map((undo) => undo())), sleep(5000)]);
  removeTempDirs();
  process.exit(code);
}

const deadline = setTimeout(() => void abort(`the benchmark exceeded ${HARD_LIMIT_MS / 60_000} minutes`, 1), HARD_LIMIT_MS);
deadline.unref();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void abort(`${signal} received`, 130));

try {
  await main();
} catch (error) {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await stopAll();
  removeTempDirs();
  clearTimeout(deadline);
}
