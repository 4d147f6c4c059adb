// Child processes of the benchmark: pinned to one CPU, bounded in lifetime, always stopped.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** No child outlives this many seconds, even if the benchmark itself is killed. */
const MAX_LIFETIME_SECONDS = 900;

export interface Child {
  name: string;
  /** The pid of the node process itself (not of its `timeout` wrapper). */
  pid: number;
  output(): string;
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs` (default 5 s). */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<Child>();
/** Children start in the repository root, where `--import tsx` resolves. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The environment every child starts from: nothing of the caller's but PATH and HOME. */
export function baseEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/**
 * Runs `node <args>` on one CPU (`taskset -c cpu`) under `timeout`, so it dies by itself after
 * MAX_LIFETIME_SECONDS. taskset execs node, so the grandchild's pid is the node process.
 */
export async function startNode(name: string, cpu: number, args: string[], env: Record<string, string>): Promise<Child> {
  const wrapper: ChildProcess = spawn(
    'timeout',
    ['-k', '5', String(MAX_LIFETIME_SECONDS), 'taskset', '-c', String(cpu), process.execPath, ...args],
    { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  wrapper.stdout!.on('data', (d) => (out = (out + d).slice(-200_000)));
  wrapper.stderr!.on('data', (d) => (out = (out + d).slice(-200_000)));
  const exited = new Promise<number | null>((resolve) => wrapper.on('close', (code) => resolve(code)));
  const pid = await childPid(wrapper.pid!, exited);
  const child: Child = {
    name,
    pid,
    output: () => out,
    exited,
    async stop(graceMs = 5000) {
      running.delete(child);
      if (wrapper.exitCode !== null || wrapper.signalCode !== null) return;
      // Straight to node: a SIGTERM to the `timeout` wrapper would also arm its own kill 5 s later
      // (-k 5), cutting short a process that needs longer (writing a CPU profile at exit).
      signalQuietly(child.pid, 'SIGTERM');
      const timer = setTimeout(() => {
        signalQuietly(child.pid, 'SIGKILL');
        wrapper.kill('SIGKILL');
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(child);
  void exited.then(() => running.delete(child));
  return child;
}

async function childPid(wrapperPid: number, exited: Promise<unknown>): Promise<number> {
  let gone = false;
  void exited.then(() => (gone = true));
  for (let i = 0; i < 200 && !gone; i++) {
    try {
      const pid = Number(readFileSync(`/proc/${wrapperPid}/task/${wrapperPid}/children`, 'utf8').trim().split(/\s+/)[0]);
      if (pid > 0 && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'node') return pid;
    } catch {
      // not started yet
    }
    await sleep(10);
  }
  throw new Error(`the process under pid ${wrapperPid} did not start node`);
}

/** Stops every child still running (also on errors and signals). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop()));
}

/**
 * For an abrupt exit (a signal, the hard time limit): asks every child to stop without waiting.
 * Each stops on its own (s3rver removes its folder), and `timeout` ends any that would not.
 */
export function terminateAllNow(): void {
  for (const child of running) {
    try {
      process.kill(child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

/** Resolves with the first match of `pattern` in the child's output; rejects on exit or timeout. */
export async function waitForOutput(child: Child, pattern: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
  const until = Date.now() + timeoutMs;
  let exited = false;
  void child.exited.then(() => (exited = true));
  for (;;) {
    const match = pattern.exec(child.output());
    if (match) return match;
    if (exited) throw new Error(`${child.name} exited before it was ready:\n${child.output()}`);
    if (Date.now() > until) throw new Error(`${child.name} was not ready after ${timeoutMs} ms:\n${child.output()}`);
    await sleep(25);
  }
}

/** Polls `url` until it answers 2xx. */
export async function waitForHttp(child: Child, url: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let exited = false;
  void child.exited.then(() => (exited = true));
  for (;;) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (exited) throw new Error(`${child.name} exited before it was ready:\n${child.output()}`);
    if (Date.now() > until) throw new Error(`${child.name} did not answer ${url} after ${timeoutMs} ms:\n${child.output()}`);
    await sleep(50);
  }
}

export { freePort } from '../../packages/server/src/free-port.js';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Sends a signal, ignoring a process that is already gone. */
function signalQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}
