// Benchmark (b): API CPU per upload of the direct flow divided by that of a 2-hop proxy, side by side.
import { complete, createUpload, pooled, transfer, twoHopUpload } from './lib/api-client.js';
import { cpuSample, cpuSpent } from './lib/cpu.js';
import type { TestImage } from './lib/images.js';
import { signToken } from './lib/jwt.js';
import { waitProcessed, type BenchDatabase } from './lib/postgres.js';
import { sleep } from './lib/processes.js';
import { JWT_SECRET, type Running } from './lib/servers.js';
import { median } from './lib/stats.js';

export interface SizeCase {
  label: string;
  image: TestImage;
  uploads: number;
  /** Largest acceptable direct / 2-hop ratio. */
  target: number;
}

/** API CPU in ms per upload, by request of the client cycle. */
export interface DirectCost {
  create: number;
  /**
   * `complete` until it answers 200 with the image: with a worker, the API holds the request until
   * processing is done (COMPLETE_WAIT_MS) and any idle CPU of that wait counts; a 202 (the wait ran
   * out) is followed by another `complete`, counted here too. Without a worker: the hand-off (202).
   */
  complete: number;
  total: number;
  /** `complete` calls per upload (1 when the first one answered the image). */
  completeCalls: number;
  /** Wall time of those calls per upload, ms: with a worker, how long the client waited for its image. */
  completeWallMs: number;
  /**
   * API CPU per upload over the whole loop of uploads, ms: the windows above plus what fell between
   * them (the transfers, timers, garbage collection after a response). Not part of the ratio.
   */
  loopMs: number;
}

/**
 * Before anything is measured, each server handles this many uploads of a small image, `lanes` at a
 * time (the echo as many requests): what a server that has been running for a while has done. A
 * fresh API costs a third more per upload (docs/performance.md, "What limits them").
 */
export interface Warmup {
  image: TestImage;
  uploads: number;
  lanes: number;
}

export interface CpuRound {
  round: number;
  direct: DirectCost;
  twoHopMs: number;
  ratio: number;
  /** How the worker left the uploads of this round (postgres mode). */
  processed: Record<string, number> | null;
}

export interface CpuCaseReport {
  label: string;
  bytes: number;
  uploads: number;
  target: number;
  ratio: number;
  pass: boolean;
  direct: DirectCost;
  twoHopMs: number;
  /**
   * Two bare echo requests (`echoRequestMs` each) divided by the 2-hop's CPU per upload: the ratio of
   * a direct flow whose two requests each cost no more than a bare Fastify echo at this rate, so the
   * lowest this machine allows; null without the echo.
   */
  floorRatio: number | null;
  rounds: CpuRound[];
}

/** A target at or under the floor (two bare echo requests ÷ 2-hop) cannot be met in that run, whatever the API does between them. */
export function cpuVerdict(c: Pick<CpuCaseReport, 'pass' | 'target' | 'floorRatio'>): string {
  const verdict = c.pass ? 'PASS' : 'MISS';
  return c.floorRatio !== null && c.floorRatio >= c.target ? `${verdict} (the target is under this run's floor)` : verdict;
}

export interface CpuReport {
  mode: 'postgres-worker' | 'sqlite-no-worker';
  note: string;
  rounds: number;
  warmup: { uploads: number; lanes: number; seconds: number };
  /** CPU the idle API used per second with no request at all (timers, e.g. the event-loop delay metric). */
  apiIdleMsPerSecond: number;
  /**
   * Median CPU of one request to the bare Fastify echo, sent one at a time like the uploads' requests:
   * the floor any HTTP request pays at this rate on this machine (a direct upload makes two).
   */
  echoRequestMs: number | null;
  /** Which source the CPU windows were read from (schedstat: ns; stat: clock ticks), with counts. */
  sources: Record<string, number>;
  cases: CpuCaseReport[];
}

export interface CpuSetup {
  api: Running;
  proxy: Running;
  /** Present when a separate worker processes uploads (PostgreSQL); absent: nothing processes them. */
  db: BenchDatabase | null;
  /** The bare Fastify echo (started like the API), for the per-request floor; optional. */
  echo?: Running;
}

/** Lets the server finish what it does after sending a response (hooks, socket bookkeeping) inside the window. */
const SETTLE_MS = 10;
/** A client gives up after this many `complete` calls (the worker failed); the upload then counts as not ready. */
const MAX_COMPLETE_CALLS = 30;
/** The wait before `complete` again after a 202: the server's Retry-After (1 s), which the browser SDK follows. */
const RECALL_MS = 1000;

/**
 * One request's CPU on the server: a window around the request only. The client's transfer to S3 and
 * any waiting lie outside every window, so neither an idle API's timers nor the wait count as upload work.
 */
class Meter {
  readonly sources: Record<string, number> = {};
  constructor(private readonly pid: number) {}
  /** `answered` runs as soon as `work` is done, before the settling pause. */
  async window<T>(work: () => Promise<T>, answered?: () => void): Promise<{ value: T; ms: number }> {
    const before = cpuSample(this.pid);
    const value = await work();
    answered?.();
    await sleep(SETTLE_MS);
    const spent = cpuSpent(before, cpuSample(this.pid));
    this.sources[spent.source] = (this.sources[spent.source] ?? 0) + 1;
    return { value, ms: spent.seconds * 1000 };
  }
}

/**
 * Each round, for each size: N direct uploads one after another (create, transfer, complete), then N
 * through the 2-hop proxy (while the worker processes the direct ones), then the client's final
 * `complete` of each direct upload once the worker is done.
 */
export async function cpuPerUpload(setup: CpuSetup, cases: SizeCase[], rounds: number, warmup: Warmup, log: (line: string) => void): Promise<CpuReport> {
  const withWorker = setup.db !== null;
  const api = new Meter(setup.api.child.pid);
  const proxy = new Meter(setup.proxy.child.pid);

  /**
   * `complete` as the browser SDK calls it: again after each 202, until the image (200); once when
   * nothing processes (the hand-off is the answer).
   */
  async function completeUntilDone(call: () => Promise<number>): Promise<void> {
    for (let calls = 1; (await call()) !== 200 && withWorker && calls < MAX_COMPLETE_CALLS; calls++) await sleep(RECALL_MS);
  }

  async function direct(token: string, image: TestImage, count: number) {
    const cost = { create: 0, complete: 0, calls: 0, completeWall: 0 };
    const ids: string[] = [];
    const loopStart = cpuSample(setup.api.child.pid);
    for (let i = 0; i < count; i++) {
      const created = await api.window(() => createUpload(setup.api.url, token, image));
      await transfer(created.value.target, image);
      await completeUntilDone(async () => {
        const calledAt = performance.now();
        const completed = await api.window(() => complete(setup.api.url, token, created.value.id), () => (cost.completeWall += performance.now() - calledAt));
        cost.complete += completed.ms;
        cost.calls++;
        return completed.value;
      });
      cost.create += created.ms;
      ids.push(created.value.id);
    }
    const loopMs = (cpuSpent(loopStart, cpuSample(setup.api.child.pid)).seconds * 1000) / count;
    const ready = withWorker ? await waitProcessed(setup.db!, ids, 120_000) : null;
    return {
      ids,
      create: cost.create / count,
      complete: cost.complete / count,
      completeCalls: cost.calls / count,
      completeWallMs: cost.completeWall / count,
      loopMs,
      processed: ready,
    };
  }
  async function twoHop(token: string, image: TestImage, count: number) {
    let ms = 0;
    for (let i = 0; i < count; i++) ms += (await proxy.window(() => twoHopUpload(setup.proxy.url, token, image))).ms;
    return ms / count;
  }

  const echo = setup.echo ? new Meter(setup.echo.child.pid) : null;
  async function echoRequest() {
    const response = await fetch(`${setup.echo!.url}/api/uploads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"probe":1}' });
    await response.arrayBuffer();
  }
  async function echoRequests(count: number) {
    let ms = 0;
    for (let i = 0; i < count; i++) ms += (await echo!.window(echoRequest)).ms;
    return ms / count;
  }
  const echoMs: number[] = [];

  /** One client cycle, unmeasured: create, transfer, `complete` until the image (or the hand-off). */
  async function unmeasured(token: string, image: TestImage) {
    const created = await createUpload(setup.api.url, token, image);
    await transfer(created.target, image);
    await completeUntilDone(() => complete(setup.api.url, token, created.id));
  }

  // Warm-up (not measured): every server runs as one that has served a while, then each kind and size once more.
  const warmToken = signToken(JWT_SECRET, 'bench-warmup');
  const warmStart = performance.now();
  await pooled(warmup.uploads, warmup.lanes, () => unmeasured(warmToken, warmup.image));
  await pooled(warmup.uploads, warmup.lanes, () => twoHopUpload(setup.proxy.url, warmToken, warmup.image));
  if (echo) await pooled(warmup.uploads, warmup.lanes, () => echoRequest());
  const warmSeconds = (performance.now() - warmStart) / 1000;
  log(`  b. warm-up: ${warmup.uploads} uploads of ${warmup.image.bytes.length} bytes, ${warmup.lanes} at a time, to each server in ${warmSeconds.toFixed(0)} s`);
  for (const c of cases) {
    await direct(warmToken, c.image, 3);
    await twoHop(warmToken, c.image, 3);
  }
  if (echo) await echoRequests(20);
  const idleBefore = cpuSample(setup.api.child.pid);
  await sleep(2000);
  const apiIdleMsPerSecond = (cpuSpent(idleBefore, cpuSample(setup.api.child.pid)).seconds * 1000) / 2;
  for (const meter of [api, proxy, ...(echo ? [echo] : [])]) for (const key of Object.keys(meter.sources)) delete meter.sources[key];

  const results = new Map<string, CpuRound[]>(cases.map((c) => [c.label, []]));
  for (let round = 0; round < rounds; round++) {
    if (echo) echoMs.push(await echoRequests(20));
    for (const c of cases) {
      const token = signToken(JWT_SECRET, `bench-cpu-${round}-${c.label.replace(/\W/g, '')}`);
      const directRun = await direct(token, c.image, c.uploads);
      const twoHopMs = await twoHop(token, c.image, c.uploads);
      const cost: DirectCost = {
        create: directRun.create,
        complete: directRun.complete,
        total: directRun.create + directRun.complete,
        completeCalls: directRun.completeCalls,
        completeWallMs: directRun.completeWallMs,
        loopMs: directRun.loopMs,
      };
      const entry: CpuRound = { round, direct: cost, twoHopMs, ratio: cost.total / twoHopMs, processed: directRun.processed };
      results.get(c.label)!.push(entry);
      log(
        `  b. round ${round + 1}/${rounds} ${c.label}: direct ${cost.total.toFixed(2)} ms/upload ` +
          `(create ${cost.create.toFixed(2)}, complete ${cost.complete.toFixed(2)} in ${cost.completeCalls.toFixed(2)} calls, ` +
          `answered after ${cost.completeWallMs.toFixed(0)} ms; whole loop ${cost.loopMs.toFixed(2)}), ` +
          `2-hop ${twoHopMs.toFixed(2)} ms/upload, ratio ${entry.ratio.toFixed(3)}` +
          (directRun.processed ? `; worker: ${JSON.stringify(directRun.processed)}` : ''),
      );
    }
  }

  const sources: Record<string, number> = {};
  for (const meter of [api, proxy, ...(echo ? [echo] : [])]) for (const [source, count] of Object.entries(meter.sources)) sources[source] = (sources[source] ?? 0) + count;
  return {
    mode: withWorker ? 'postgres-worker' : 'sqlite-no-worker',
    note: withWorker
      ? 'b: API on PostgreSQL started --no-worker with COMPLETE_WAIT_MS at its default (10 s); a separate `direct-upload worker` process (CPU 1) processes every upload. ' +
        'Counted per direct upload: create + complete, which the API holds until the worker is done and then answers 200 with the image (idle CPU during that wait included; a 202 would be followed by another complete, also counted).'
      : 'b: PostgreSQL not reachable, so the API runs on SQLite, --no-worker, COMPLETE_WAIT_MS=0: nothing processes the uploads. ' +
        'Counted per direct upload: create + complete (202, hand-off) only.',
    rounds,
    warmup: { uploads: warmup.uploads, lanes: warmup.lanes, seconds: warmSeconds },
    apiIdleMsPerSecond,
    echoRequestMs: echo ? median(echoMs) : null,
    sources,
    cases: cases.map((c) => {
      const rs = results.get(c.label)!;
      const ratio = median(rs.map((r) => r.ratio));
      const twoHopMs = median(rs.map((r) => r.twoHopMs));
      return {
        label: c.label,
        bytes: c.image.bytes.length,
        uploads: c.uploads,
        target: c.target,
        ratio,
        pass: ratio <= c.target,
        direct: {
          create: median(rs.map((r) => r.direct.create)),
          complete: median(rs.map((r) => r.direct.complete)),
          completeCalls: median(rs.map((r) => r.direct.completeCalls)),
          total: median(rs.map((r) => r.direct.total)),
          completeWallMs: median(rs.map((r) => r.direct.completeWallMs)),
          loopMs: median(rs.map((r) => r.direct.loopMs)),
        },
        twoHopMs,
        floorRatio: echo ? (2 * median(echoMs)) / twoHopMs : null,
        rounds: rs,
      };
    }),
  };
}
