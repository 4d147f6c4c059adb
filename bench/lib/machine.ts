// How busy the whole machine was (other work included), to read a run's figures with the right caution.
import { loadavg } from 'node:os';
import { readFileSync } from 'node:fs';

interface Jiffies {
  busy: number;
  total: number;
}

function jiffies(): Jiffies {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal ...: idle and iowait are not busy.
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - fields[3]! - fields[4]!, total };
}

export interface MachineLoad {
  loadAverageAtStart: number;
  loadAverageAtEnd: number;
  /** Share of both cores busy over the run, this benchmark's own processes included. */
  busyShare: number;
}

export function watchMachine(): () => MachineLoad {
  const start = jiffies();
  const loadAverageAtStart = loadavg()[0]!;
  return () => {
    const end = jiffies();
    return { loadAverageAtStart, loadAverageAtEnd: loadavg()[0]!, busyShare: (end.busy - start.busy) / Math.max(1, end.total - start.total) };
  };
}
