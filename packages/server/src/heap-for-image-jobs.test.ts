import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { growHeapForImageJobs } from './heap-for-image-jobs.js';

describe('growHeapForImageJobs', () => {
  it('leaves a factor given on the command line alone', () => {
    expect(growHeapForImageJobs(['--heap-growing-percent=50'])).toBe(false);
    expect(growHeapForImageJobs(['--heap_growing_percent', '50'])).toBe(false);
  });

  it('sets the factor otherwise, with a flag this V8 knows (an unknown one would only be reported on stderr)', () => {
    const module = fileURLToPath(new URL('./heap-for-image-jobs.ts', import.meta.url));
    const run = (code: string) =>
      spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' });
    const set = run(`const { growHeapForImageJobs } = await import(${JSON.stringify(module)}); console.log(growHeapForImageJobs());`);
    expect({ status: set.status, out: set.stdout.trim(), err: set.stderr }).toEqual({ status: 0, out: 'true', err: '' });
    // The check above can fail: V8 complains of a flag it does not know.
    const unknown = run(`(await import('node:v8')).setFlagsFromString('--heap-growing-percentage=300');`);
    expect(unknown.stdout + unknown.stderr).toMatch(/unrecognized flag/);
  });
});
