// `doctor` checks of this host's own dependencies: the data directory, the database, Redis.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DependencyCheck } from '@direct-upload/core';
import { checkResult, type CheckResult } from './check-result.js';

/** Writes and removes a file in each directory (created if missing, as the server would). */
export async function checkWritableDirectories(name: string, directories: readonly string[], probeName: string): Promise<CheckResult> {
  for (const directory of [...new Set(directories)]) {
    const probe = join(directory, probeName);
    try {
      await mkdir(directory, { recursive: true });
      await writeFile(probe, 'direct-upload doctor probe\n', { flag: 'wx' });
      await rm(probe, { force: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return checkResult(
        name,
        'fail',
        `cannot write in ${directory}: ${code ?? ''} ${(error as Error).message}`.trim(),
        `Make ${directory} writable by this user (uid ${process.getuid?.() ?? '?'}), or set DATA_DIR to a writable directory.`,
      );
    }
  }
  return checkResult(name, 'ok', `${[...new Set(directories)].join(' and ')} writable`);
}

export async function checkPing(name: string, ping: DependencyCheck, signal: AbortSignal | undefined, fix: string): Promise<CheckResult> {
  try {
    await ping(signal);
    return checkResult(name, 'ok', 'answered');
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return checkResult(name, 'fail', `did not answer: ${message}${cause}`, fix);
  }
}
