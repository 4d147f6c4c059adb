// CPU time used so far by another process (all its threads), read from /proc.
import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

export interface CpuSample {
  /** utime + stime of /proc/<pid>/stat, in seconds (clock-tick resolution, usually 10 ms). */
  stat: number;
  /** Sum of the threads' run time in /proc/<pid>/task/<tid>/schedstat, in seconds (ns resolution); null if unreadable. */
  sched: number | null;
}

export function cpuSample(pid: number): CpuSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces: state is field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[14 - 3]) + Number(fields[15 - 3]);
  let sched: number | null = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      sched += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e9;
    }
  } catch {
    sched = null;
  }
  return { stat: ticks / TICKS_PER_SECOND, sched };
}

/**
 * CPU seconds between two samples. The schedstat sum is used when both have it and it agrees with the
 * tick-based figure within two ticks (a thread that ended in between would make it fall short).
 */
export function cpuSpent(before: CpuSample, after: CpuSample): { seconds: number; source: 'schedstat' | 'stat'; statSeconds: number } {
  const statSeconds = after.stat - before.stat;
  if (before.sched !== null && after.sched !== null) {
    const sched = after.sched - before.sched;
    if (Math.abs(sched - statSeconds) <= 2 / TICKS_PER_SECOND + 0.05 * statSeconds) return { seconds: sched, source: 'schedstat', statSeconds };
  }
  return { seconds: statSeconds, source: 'stat', statSeconds };
}
