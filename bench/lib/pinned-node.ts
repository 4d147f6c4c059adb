// A node child pinned to a set of CPUs (`taskset -c 0,1`), bounded in lifetime; for processes that use both cores.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sleep, type Child } from './processes.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Children started here, for `stopPinned` (the shared `stopAll` knows only its own). */
const running = new Set<Child>();

/**
 * Runs `node <args>` under `timeout` (it dies by itself after `lifetimeSeconds`) and `taskset -c <cpus>`,
 * which execs node: the returned pid is node's own, so /proc/<pid> describes the process under test.
 */
export async function startPinnedNode(name: string, cpus: string, args: string[], env: Record<string, string>, lifetimeSeconds: number): Promise<Child> {
  const wrapper = spawn('timeout', ['-k', '5', String(lifetimeSeconds), 'taskset', '-c', cpus, process.execPath, ...args], {
    env,
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  wrapper.stdout.on('data', (d) => (out = (out + d).slice(-200_000)));
  wrapper.stderr.on('data', (d) => (out = (out + d).slice(-200_000)));
  const exited = new Promise<number | null>((resolve) => wrapper.on('close', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  let pid = 0;
  for (let i = 0; i < 200 && !gone && pid === 0; i++) {
    try {
      const candidate = Number(readFileSync(`/proc/${wrapper.pid}/task/${wrapper.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
      if (candidate > 0 && readFileSync(`/proc/${candidate}/comm`, 'utf8').trim() === 'node') pid = candidate;
    } catch {
      // not started yet
    }
    if (pid === 0) await sleep(10);
  }
  if (pid === 0) {
    wrapper.kill('SIGKILL');
    throw new Error(`${name} did not start node:\n${out}`);
  }
  const child: Child = {
    name,
    pid,
    output: () => out,
    exited,
    async stop() {
      running.delete(child);
      if (wrapper.exitCode !== null || wrapper.signalCode !== null) return;
      wrapper.kill('SIGTERM');
      const timer = setTimeout(() => wrapper.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(child);
  void exited.then(() => running.delete(child));
  return child;
}

export const pinnedChildren = (): Child[] => [...running];

export async function stopPinned(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop()));
}

/** Peak resident set size (VmHWM) of a running process, in bytes. */
export function peakRss(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}
