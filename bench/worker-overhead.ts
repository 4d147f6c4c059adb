// Benchmark (d): images/s of `direct-upload worker` divided by images/s of a bare sharp script, side by side.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { complete, createUpload, pooled, transfer } from './lib/api-client.js';
import { cpuSample, cpuSpent } from './lib/cpu.js';
import { signToken } from './lib/jwt.js';
import { peakRss, pinnedChildren, startPinnedNode, stopPinned } from './lib/pinned-node.js';
import { photoJpegs, type Photo } from './lib/photos.js';
import { createDatabase, postgresAnswers, POSTGRES_URL, type BenchDatabase } from './lib/postgres.js';
import { baseEnv, waitForOutput, type Child } from './lib/processes.js';
import { watchProcessing } from './lib/processing-window.js';
import { apiEnv, CLI, JWT_SECRET, ROOT, s3Env, SERVER_CPU, startApi, startS3, type Running } from './lib/servers.js';
import { median } from './lib/stats.js';
import { fixed, int } from './lib/table.js';

export interface OverheadSettings {
  rounds: number;
  /** Images each side processes per round (the photos in turn). */
  images: number;
  /** Different photos. */
  photos: number;
  /** One unmeasured run of the bare script on 2 images first (the worker always processes 2 unmeasured uploads after it starts). */
  warmup: boolean;
  /**
   * Jobs at once (WORKERS for both sides): what the worker runs by default on this machine, read
   * before anything is pinned. Pinned to one core it would see one core and run one, while memory is
   * to be measured at the default.
   */
  workers: number;
}

/** One side of a round. */
export interface SideFigures {
  imagesPerSecond: number;
  seconds: number;
  /** CPU time of the process itself per image (the worker: from "started" to the last image done). */
  cpuSecondsPerImage: number;
  peakRssBytes: number;
  /** Share of both cores busy while this side ran: itself, s3rver, PostgreSQL and any other work on the machine. */
  machineBusy: number;
}

export interface OverheadRound {
  round: number;
  worker: SideFigures & {
    /** s3rver's CPU time per image while the worker ran (reads of the upload, writes of the copies). */
    s3rverCpuSecondsPerImage: number;
    statuses: Record<string, number>;
    claimExact: boolean;
  };
  bare: SideFigures;
  ratio: number;
}

export interface OverheadReport {
  target: number;
  rssTargetBytes: number;
  ratio: number;
  pass: boolean;
  /** The highest peak RSS of the worker over all rounds. */
  workerPeakRssBytes: number;
  rssPass: boolean;
  /** Images the worker decodes at once (this machine's default, set as WORKERS; it runs one job more) and images the bare script runs at once. */
  concurrency: { worker: number; bare: number; sharpThreadsPerOperation: number };
  worker: { imagesPerSecond: number; cpuSecondsPerImage: number; s3rverCpuSecondsPerImage: number };
  bare: { imagesPerSecond: number; cpuSecondsPerImage: number; peakRssBytes: number };
  settings: OverheadSettings;
  photos: Array<{ bytes: number; width: number; height: number; orientation: number }>;
  pinning: string;
  rounds: OverheadRound[];
}

const MiB = 1024 * 1024;
const TARGET = 0.9;
const RSS_TARGET = 512 * MiB;
/**
 * The side under test on one core, as in the other parts; s3rver and the benchmark on the other, so
 * that the test object store's work (another machine's, in a deployment) does not take the worker's
 * CPU while the bare script has it all.
 */
const PROCESSING_CPUS = String(SERVER_CPU);
/** The worker's lease, set explicitly (it is the default) because the first claim is read back from it. */
const LEASE_SECONDS = 120;
/** Bounds: a child lives at most this long; one side of a round may take at most this long. */
const CHILD_LIFETIME_SECONDS = 300;
const SIDE_TIMEOUT_MS = 120_000;

/** Busy and total jiffies of all cores (/proc/stat; idle and iowait are not busy). */
function jiffies(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - fields[3]! - fields[4]!, total };
}
const busyBetween = (a: ReturnType<typeof jiffies>, b: ReturnType<typeof jiffies>) => (b.busy - a.busy) / Math.max(1, b.total - a.total);

/** Stops the worker and any bare script; a paused worker is resumed first, as it would not see SIGTERM before. */
async function stopChildren(): Promise<void> {
  for (const child of pinnedChildren()) {
    try {
      process.kill(child.pid, 'SIGCONT');
    } catch {
      // already gone
    }
  }
  await stopPinned();
}

interface Setup {
  api: Running;
  s3rver: Child;
  db: BenchDatabase;
  workerEnv: Record<string, string>;
  photos: Photo[];
}

/** The one worker of the run, started once so that every measured round finds it warm. */
interface Worker {
  child: Child;
  concurrency: number;
}

/** Creates, transfers and completes `count` uploads (202: handed to processing), two at a time. */
async function queueUploads(setup: Setup, count: number, owner: string): Promise<string[]> {
  const token = signToken(JWT_SECRET, owner);
  const ids: string[] = new Array(count);
  await pooled(count, 2, async (i) => {
    const photo = setup.photos[i % setup.photos.length]!;
    const created = await createUpload(setup.api.url, token, photo, `photo-${i}.jpg`);
    await transfer(created.target, photo);
    await complete(setup.api.url, token, created.id);
    ids[i] = created.id;
  });
  return ids;
}

/** Starts the worker and lets it process a few uploads unmeasured (code compiled, clients and pools set up). */
async function startWarmWorker(setup: Setup): Promise<Worker> {
  const child = await startPinnedNode('worker', PROCESSING_CPUS, [CLI, 'worker'], setup.workerEnv, CHILD_LIFETIME_SECONDS);
  const started = await waitForOutput(child, /"concurrency":(\d+).*worker started/);
  const ids = await queueUploads(setup, 2, 'bench-overhead-warmup');
  const window = await watchProcessing(setup.db.url, ids, LEASE_SECONDS, SIDE_TIMEOUT_MS);
  if (window.statuses.ready !== ids.length) throw new Error(`the worker left ${JSON.stringify(window.statuses)} of its warm-up uploads:\n${child.output().slice(-3000)}`);
  return { child, concurrency: Number(started[1]) };
}

/**
 * The worker is paused (SIGSTOP) while the round's uploads are queued, so that it takes none before all
 * are there and the queueing (API, s3rver) never overlaps the measured processing; then it resumes and
 * the window runs from its first claim to its last image recorded ready.
 */
async function workerSide(setup: Setup, worker: Worker, count: number, owner: string) {
  const { pid } = worker.child;
  process.kill(pid, 'SIGSTOP');
  let ids: string[];
  try {
    ids = await queueUploads(setup, count, owner);
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  const cpuBefore = cpuSample(pid);
  const s3Before = cpuSample(setup.s3rver.pid);
  const machineBefore = jiffies();
  const window = await watchProcessing(setup.db.url, ids, LEASE_SECONDS, SIDE_TIMEOUT_MS);
  const machineAfter = jiffies();
  const cpu = cpuSpent(cpuBefore, cpuSample(pid)).seconds;
  const s3 = cpuSpent(s3Before, cpuSample(setup.s3rver.pid)).seconds;
  if (window.statuses.ready !== count) throw new Error(`the worker left ${JSON.stringify(window.statuses)} of ${count} uploads:\n${worker.child.output().slice(-3000)}`);
  const seconds = (window.lastReadyMs - window.firstClaimMs) / 1000;
  return {
    imagesPerSecond: count / seconds,
    seconds,
    cpuSecondsPerImage: cpu / count,
    // Peak since the worker started: every round so far, warm-up included.
    peakRssBytes: peakRss(pid),
    machineBusy: busyBetween(machineBefore, machineAfter),
    s3rverCpuSecondsPerImage: s3 / count,
    statuses: window.statuses,
    claimExact: window.claimExact,
  };
}

interface BareOutput {
  images: number;
  seconds: number;
  imagesPerSecond: number;
  cpuSecondsPerImage: number;
  peakRssBytes: number;
  concurrency: number;
  sharpConcurrency: number;
}

/** bench/bare-sharp.ts in a process of its own (a fresh one each round), with the worker's environment and pinning, on the same files from disk. */
async function bareSide(setup: Setup, count: number) {
  const args = ['--import', 'tsx', join(ROOT, 'bench/bare-sharp.ts'), String(count), ...setup.photos.map((p) => p.path)];
  const machineBefore = jiffies();
  const bare = await startPinnedNode('bare-sharp', PROCESSING_CPUS, args, setup.workerEnv, CHILD_LIFETIME_SECONDS);
  try {
    const line = await waitForOutput(bare, /^\{.*"imagesPerSecond".*\}$/m, SIDE_TIMEOUT_MS);
    const machineAfter = jiffies();
    const out = JSON.parse(line[0]) as BareOutput;
    return {
      out,
      figures: {
        imagesPerSecond: out.imagesPerSecond,
        seconds: out.seconds,
        cpuSecondsPerImage: out.cpuSecondsPerImage,
        peakRssBytes: out.peakRssBytes,
        machineBusy: busyBetween(machineBefore, machineAfter),
      },
    };
  } finally {
    await bare.stop();
  }
}

/**
 * One worker for the whole run, warmed up first. Each round: N uploads queued through the API while the
 * worker is paused, then the worker processes them (A); then a fresh bare script processes N images
 * from the same files (B). Ratio per round = A's images/s ÷ B's; the report gives medians. Null when
 * PostgreSQL does not answer (a separate worker needs it).
 */
export async function workerOverhead(
  settings: OverheadSettings,
  log: (line: string) => void,
  cleanups: Set<() => Promise<unknown>>,
): Promise<OverheadReport | null> {
  if (!(await postgresAnswers())) {
    log(`  d. skipped: PostgreSQL does not answer at ${POSTGRES_URL}, and \`direct-upload worker\` takes its jobs from there`);
    return null;
  }
  const photos = await photoJpegs(settings.photos);
  log(`  d. ${photos.length} photos of ${photos[0]!.width}x${photos[0]!.height}: ${photos.map((p) => `${fixed(p.bytes.length / MiB, 1)} MiB${p.orientation !== 1 ? ` (orientation ${p.orientation})` : ''}`).join(', ')}`);
  const db = await createDatabase();
  cleanups.add(db.drop);
  cleanups.add(stopChildren);
  let s3rver: Child | null = null;
  let api: Running | null = null;
  try {
    const started = await startS3();
    s3rver = started.child;
    const env = { ...s3Env(started.s3), DATABASE_URL: db.url };
    api = await startApi('api-overhead', apiEnv(env));
    // The worker's configuration is the default but for what the benchmark needs (object store, database,
    // quiet sweeper, the lease it reads back) and WORKERS, set to the default of this machine (settings.workers).
    const workerEnv = {
      ...baseEnv(),
      ...apiEnv(env),
      PROCESSING_LEASE_SECONDS: String(LEASE_SECONDS),
      WORKERS: String(settings.workers),
      LOG_LEVEL: 'info',
    };
    const setup: Setup = { api, s3rver, db, workerEnv, photos };

    const worker = await startWarmWorker(setup);
    if (settings.warmup) await bareSide(setup, 2);
    const rounds: OverheadRound[] = [];
    let concurrency = { worker: worker.concurrency, bare: 0, sharpThreadsPerOperation: 0 };
    for (let round = 0; round < settings.rounds; round++) {
      const figures = await workerSide(setup, worker, settings.images, `bench-overhead-${round}`);
      const bare = await bareSide(setup, settings.images);
      concurrency = { worker: worker.concurrency, bare: bare.out.concurrency, sharpThreadsPerOperation: bare.out.sharpConcurrency };
      const entry: OverheadRound = { round, worker: figures, bare: bare.figures, ratio: figures.imagesPerSecond / bare.figures.imagesPerSecond };
      rounds.push(entry);
      log(
        `  d. round ${round + 1}/${settings.rounds}: worker ${fixed(entry.worker.imagesPerSecond, 2)} images/s ` +
          `(${fixed(entry.worker.cpuSecondsPerImage * 1000, 0)} ms CPU/image, s3rver ${fixed(entry.worker.s3rverCpuSecondsPerImage * 1000, 0)} ms/image, ` +
          `peak RSS ${int(entry.worker.peakRssBytes / MiB)} MiB, cores ${Math.round(entry.worker.machineBusy * 100)}% busy), ` +
          `bare sharp ${fixed(entry.bare.imagesPerSecond, 2)} images/s (${fixed(entry.bare.cpuSecondsPerImage * 1000, 0)} ms CPU/image, ` +
          `peak RSS ${int(entry.bare.peakRssBytes / MiB)} MiB, cores ${Math.round(entry.bare.machineBusy * 100)}% busy), ratio ${fixed(entry.ratio, 3)}` +
          (entry.worker.claimExact ? '' : ' (first claim not caught while processing: worker images/s overstated)'),
      );
    }
    if (concurrency.worker !== concurrency.bare) log(`  WARNING: d. the worker decodes ${concurrency.worker} images at once, the bare script ${concurrency.bare} images`);
    const ratio = median(rounds.map((r) => r.ratio));
    const workerPeakRssBytes = peakRss(worker.child.pid);
    return {
      target: TARGET,
      rssTargetBytes: RSS_TARGET,
      ratio,
      pass: ratio >= TARGET,
      workerPeakRssBytes,
      rssPass: workerPeakRssBytes < RSS_TARGET,
      concurrency,
      worker: {
        imagesPerSecond: median(rounds.map((r) => r.worker.imagesPerSecond)),
        cpuSecondsPerImage: median(rounds.map((r) => r.worker.cpuSecondsPerImage)),
        s3rverCpuSecondsPerImage: median(rounds.map((r) => r.worker.s3rverCpuSecondsPerImage)),
      },
      bare: {
        imagesPerSecond: median(rounds.map((r) => r.bare.imagesPerSecond)),
        cpuSecondsPerImage: median(rounds.map((r) => r.bare.cpuSecondsPerImage)),
        peakRssBytes: Math.max(...rounds.map((r) => r.bare.peakRssBytes)),
      },
      settings,
      photos: photos.map((p) => ({ bytes: p.bytes.length, width: p.width, height: p.height, orientation: p.orientation })),
      pinning:
        `worker and bare script on CPU ${PROCESSING_CPUS} (taskset), ${settings.workers} jobs at once (this machine's default); ` +
        'the API (idle while the worker runs) on CPU 0; s3rver and the benchmark on CPU 1; PostgreSQL unpinned',
      rounds,
    };
  } finally {
    await stopChildren();
    await api?.child.stop();
    await s3rver?.stop();
    cleanups.delete(stopChildren);
    cleanups.delete(db.drop);
    await db.drop().catch((error: unknown) => log(`could not drop ${db.url}: ${String(error)}`));
  }
}

/** The rows of part d in the summary table: figure, ratio, target, absolute figures. */
export function overheadRows(report: OverheadReport): string[][] {
  const { worker, bare, concurrency } = report;
  return [
    [
      'd. worker images/s ÷ bare sharp images/s, 24 MP JPEG',
      fixed(report.ratio, 3),
      `>= ${report.target} ${report.pass ? 'PASS' : 'MISS'}`,
      `${fixed(worker.imagesPerSecond, 2)} vs ${fixed(bare.imagesPerSecond, 2)} images/s; CPU/image ${int(worker.cpuSecondsPerImage * 1000)} vs ${int(bare.cpuSecondsPerImage * 1000)} ms ` +
        `(+ s3rver ${int(worker.s3rverCpuSecondsPerImage * 1000)} ms); ${concurrency.worker} decodes at once (this machine's default, + 1 job fetching or storing), on one core, ${concurrency.sharpThreadsPerOperation} libvips thread(s) per operation; ` +
        `${report.settings.images} images x ${report.rounds.length} rounds`,
    ],
    [
      'd. worker peak RSS (VmHWM), 24 MP JPEG, default concurrency',
      '–',
      `< ${report.rssTargetBytes / MiB} MiB ${report.rssPass ? 'PASS' : 'MISS'}`,
      `${int(report.workerPeakRssBytes / MiB)} MiB, the highest of ${report.rounds.length} rounds (bare sharp script: ${int(bare.peakRssBytes / MiB)} MiB)`,
    ],
  ];
}
