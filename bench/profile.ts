// Where the API's CPU goes: V8 CPU profiles of the built API (saturated creates, part b's upload cycle) and its bytes per create.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { complete, createUpload, transfer } from './lib/api-client.js';
import { allocationBuckets } from './lib/allocation-profile.js';
import { profileBuckets } from './lib/cpu-profile.js';
import { jpegOfSize, smallPng } from './lib/images.js';
import { signToken } from './lib/jwt.js';
import { runLoad } from './lib/load-runner.js';
import { createDatabase, postgresAnswers, type BenchDatabase } from './lib/postgres.js';
import { baseEnv, freePort, startNode, stopAll, waitForHttp, waitForOutput } from './lib/processes.js';
import { apiEnv, CLI, JWT_SECRET, removeTempDirs, requireBuild, ROOT, s3Env, SERVER_CPU, startApi, startEcho, startS3, startWorker, tempDir, type S3Endpoint } from './lib/servers.js';
import { fixed, markdownTable } from './lib/table.js';
import { CREATE_BODY } from './presign-throughput.js';

/*
 * Not part of `npm run bench` (a profiler changes what it measures); run it to see what limits the
 * figures: `node --import tsx bench/profile.ts` after `npm run build`. Shares are of the API's busy
 * main-thread time, by the library running (node:crypto under jose counts as jose, and so on); the
 * bytes allocated per request are sampled with V8's heap profiler (allocation-sampler.ts).
 */

async function profiledApi(name: string, env: Record<string, string>) {
  const dir = tempDir('du-bench-prof-');
  const port = await freePort();
  const startedAt = performance.now();
  const child = await startNode(name, SERVER_CPU, ['--cpu-prof', '--cpu-prof-dir', dir, CLI, 'serve', '--no-worker'], { ...baseEnv(), ...env, PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(child, `${url}/healthz`);
  return {
    url,
    child,
    /** Stops the API and reads its profile from `sinceMs` (performance.now() of this process) on. */
    async finish(sinceMs: number) {
      // Writing a large profile at exit can take longer than the usual grace before SIGKILL.
      await child.stop(60_000);
      const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
      if (!file) throw new Error(`no profile written by ${name}; its last output:\n${child.output().slice(-3000)}`);
      return profileBuckets(join(dir, file), sinceMs - startedAt);
    },
  };
}

const SAMPLER = join(ROOT, 'bench/lib/allocation-sampler.ts');

/**
 * Bytes a server allocates per request at saturation, by library: part (a)'s load, sampled between
 * two signals to the server (allocation-sampler.ts), so that start-up and warm-up do not count.
 */
async function allocationsPerRequest(server: 'echo' | 'api', s3: S3Endpoint) {
  const file = join(tempDir('du-bench-alloc-'), 'allocations.heapprofile');
  // The sampler is TypeScript: the API needs tsx's loader ahead of it too (the echo has it already).
  const sampled = { ALLOCATION_PROFILE_FILE: file };
  const { child, url } =
    server === 'api'
      ? await startApi('api-allocations', { ...apiEnv(s3Env(s3)), ...sampled }, ['--no-worker'], ['--import', 'tsx', '--import', SAMPLER])
      : await startEcho(['--import', SAMPLER], sampled);
  const load = { kind: 'post' as const, url: `${url}/api/uploads`, connections: 50, warmupSeconds: 0, body: CREATE_BODY, jwtSecret: JWT_SECRET, maxSeconds: 20 };
  await runLoad({ ...load, duration: 2 });
  process.kill(child.pid, 'SIGUSR2');
  const measured = await runLoad({ ...load, duration: 4 });
  process.kill(child.pid, 'SIGUSR2');
  await waitForOutput(child, /ALLOCATION_PROFILE_WRITTEN/);
  await child.stop();
  const { bytes, buckets } = allocationBuckets(file);
  return { bytesPerRequest: bytes / measured.ok2xx, buckets };
}

const print = (title: string, result: { busyMs: number; buckets: Array<[string, number]> }, per: string) => {
  console.log(`\n${title} (${fixed(result.busyMs, 0)} ms busy, ${per})`);
  console.log(markdownTable(['part of the stack', 'share of busy CPU'], result.buckets.filter(([, share]) => share >= 0.5).map(([k, v]) => [k, `${fixed(v, 1)}%`])));
};

async function main(): Promise<void> {
  requireBuild();
  const { s3 } = await startS3();

  // 1. Creates at saturation (SQLite, S3 presign), as in benchmark (a).
  const saturated = await profiledApi('api-profiled-create', apiEnv(s3Env(s3)));
  await runLoad({ kind: 'post', url: `${saturated.url}/api/uploads`, connections: 50, duration: 2, warmupSeconds: 0, body: CREATE_BODY, jwtSecret: JWT_SECRET, maxSeconds: 20 });
  const since = performance.now();
  const load = await runLoad({ kind: 'post', url: `${saturated.url}/api/uploads`, connections: 50, duration: 5, warmupSeconds: 0, body: CREATE_BODY, jwtSecret: JWT_SECRET, maxSeconds: 20 });
  print('POST /api/uploads at saturation, SQLite + S3', await saturated.finish(since), `${Math.round(load.ok2xx)} creates`);

  // 2. Bytes allocated per request at saturation: a create against the echo's request (the young
  // generation's collections, and the memory traffic, grow with them).
  const echoAllocations = await allocationsPerRequest('echo', s3);
  const apiAllocations = await allocationsPerRequest('api', s3);
  console.log(
    `\nBytes allocated per request at saturation (sampled): POST /api/uploads ${fixed(apiAllocations.bytesPerRequest / 1024, 1)} KiB, ` +
      `the echo ${fixed(echoAllocations.bytesPerRequest / 1024, 1)} KiB; the create's by library:`,
  );
  console.log(markdownTable(['allocated by', 'share of bytes'], apiAllocations.buckets.filter(([, share]) => share >= 1).map(([k, v]) => [k, `${fixed(v, 1)}%`])));

  // 3. The direct client cycle one upload at a time, as in benchmark (b): with PostgreSQL, a separate
  // worker processes each upload and `complete` waits for it (COMPLETE_WAIT_MS at its default);
  // without, `complete` is the hand-off.
  let db: BenchDatabase | null = null;
  try {
    if (await postgresAnswers()) db = await createDatabase();
    const { COMPLETE_WAIT_MS: handOffOnly, ...waiting } = apiEnv({ ...s3Env(s3), ...(db ? { DATABASE_URL: db.url } : {}) });
    const sequential = await profiledApi('api-profiled-cycle', db ? waiting : { ...waiting, COMPLETE_WAIT_MS: handOffOnly! });
    if (db) await startWorker(apiEnv({ ...s3Env(s3), DATABASE_URL: db.url, WORKERS: '2' }));
    const image = db ? await jpegOfSize(2 * 1024 * 1024) : await smallPng();
    const token = signToken(JWT_SECRET, 'bench-profile');
    const cycle = async () => {
      const created = await createUpload(sequential.url, token, image);
      await transfer(created.target, image);
      await complete(sequential.url, token, created.id);
    };
    for (let i = 0; i < 10; i++) await cycle();
    const from = performance.now();
    const count = db ? 60 : 200;
    for (let i = 0; i < count; i++) await cycle();
    const what = db ? 'create + transfer + complete (waiting for a separate worker), 2 MiB JPEG' : 'create + transfer + complete (hand-off), small PNG';
    print(`${what}, one upload at a time, ${db ? 'PostgreSQL' : 'SQLite'} + S3`, await sequential.finish(from), `${count} uploads`);
  } finally {
    await stopAll();
    await db?.drop();
  }
}

try {
  await main();
} finally {
  await stopAll();
  removeTempDirs();
}
