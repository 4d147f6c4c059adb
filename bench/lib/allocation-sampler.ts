// Preloaded into a process under test: samples its heap allocations between two SIGUSR2s, for bench/profile.ts.
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';

/*
 * V8's sampling heap profiler keeps only the samples of objects still alive unless asked otherwise;
 * with objects collected by either collector included, the profile counts every byte allocated in
 * the window (an allocation every 4 KiB on average, scaled), which is what the young generation's
 * collections pay for. The first SIGUSR2 starts sampling, the second writes the profile to
 * ALLOCATION_PROFILE_FILE and prints ALLOCATION_PROFILE_WRITTEN.
 */
const file = process.env.ALLOCATION_PROFILE_FILE;
if (!file) throw new Error('ALLOCATION_PROFILE_FILE is not set');

const session = new Session();
session.connect();
const post = (method: string, params?: object) =>
  new Promise<unknown>((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));

let sampling = false;
process.on('SIGUSR2', () => {
  const next = sampling
    ? post('HeapProfiler.stopSampling').then((result) => {
        writeFileSync(file, JSON.stringify((result as { profile: unknown }).profile));
        process.stdout.write('ALLOCATION_PROFILE_WRITTEN\n');
      })
    : post('HeapProfiler.enable').then(() =>
        post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true }),
      );
  sampling = !sampling;
  next.catch((error: unknown) => process.stderr.write(`allocation sampler: ${String(error)}\n`));
});
