// `npm run bench:compare`: CPU per create of this checkout's build against another build's, both in one process.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runLoad } from './lib/load-runner.js';
import { baseEnv, freePort, startNode, stopAll, waitForOutput } from './lib/processes.js';
import { apiEnv, CLIENT_CPU, JWT_SECRET, removeTempDirs, ROOT, s3Env, SERVER_CPU, startS3 } from './lib/servers.js';
import { median } from './lib/stats.js';
import { CREATE_BODY } from './presign-throughput.js';

/*
 * BENCH_COMPARE=<root of another checkout, built with its own `npm ci` and `npm run build`> names
 * the build to compare with. The APIs of both builds run in one process on CPU 0 (see
 * lib/builds-server.ts); the load of part (a) is sent to each in turn, rounds alternating which
 * goes first. Options: BENCH_COMPARE_STORAGE=disk|s3 (disk), BENCH_COMPARE_ROUNDS (8).
 */
const other = process.env.BENCH_COMPARE;
const storage = process.env.BENCH_COMPARE_STORAGE ?? 'disk';
const rounds = Number(process.env.BENCH_COMPARE_ROUNDS ?? 8);

async function main(): Promise<void> {
  if (!other) throw new Error('BENCH_COMPARE must name the root of another built checkout');
  for (const root of [ROOT, other]) {
    if (!existsSync(join(root, 'packages/server/dist/start-server.js'))) throw new Error(`${root} has no build: run "npm run build" there first`);
  }
  if (storage !== 'disk' && storage !== 's3') throw new Error('BENCH_COMPARE_STORAGE must be disk or s3');
  execFileSync('taskset', ['-a', '-p', '-c', String(CLIENT_CPU), String(process.pid)], { stdio: 'ignore' });

  const storageEnv = storage === 's3' ? s3Env((await startS3()).s3) : { STORAGE: 'disk' };
  const builds = [
    { name: 'this', root: ROOT },
    { name: 'other', root: resolve(other) },
  ];
  const withEnv = [];
  for (const build of builds) withEnv.push({ ...build, env: { ...apiEnv(storageEnv), WORKERS: '0', PORT: String(await freePort()) } });
  const server = await startNode('builds', SERVER_CPU, ['--import', 'tsx', join(ROOT, 'bench/lib/builds-server.ts')], {
    ...baseEnv(),
    BUILDS_JSON: JSON.stringify(withEnv),
  });
  await waitForOutput(server, /^listening .*$/m, 60_000);

  const load = (port: string, duration: number, warmupSeconds: number) =>
    runLoad(
      { kind: 'post', url: `http://127.0.0.1:${port}/api/uploads`, connections: 50, duration, warmupSeconds, body: CREATE_BODY, jwtSecret: JWT_SECRET, maxSeconds: duration + warmupSeconds + 15 },
      server.pid,
    );
  const cpu: Record<string, number[]> = { this: [], other: [] };
  for (const build of withEnv) await load(build.env.PORT, 3, 0);
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? withEnv : [...withEnv].reverse();
    for (const build of order) {
      const result = await load(build.env.PORT, 3, 1);
      if (result.non2xx + result.errors > 0) throw new Error(`${build.name}: ${result.non2xx} non-2xx responses, ${result.errors} errors`);
      cpu[build.name]!.push(result.serverCpuUsPerRequest ?? NaN);
    }
    console.log(`round ${round + 1}/${rounds}: this ${cpu.this!.at(-1)!.toFixed(1)} us, other ${cpu.other!.at(-1)!.toFixed(1)} us CPU per create`);
  }
  const lower = cpu.this!.filter((value, i) => value < cpu.other![i]!).length;
  console.log(
    `\nCPU per create (${storage}, medians of ${rounds} rounds): this build ${median(cpu.this!).toFixed(1)} us, ` +
      `${other} ${median(cpu.other!).toFixed(1)} us (this ÷ other ${(median(cpu.this!) / median(cpu.other!)).toFixed(3)}); this build lower in ${lower} of ${rounds} rounds`,
  );
}

try {
  await main();
} finally {
  await stopAll();
  removeTempDirs();
}
