// Runs the built `direct-upload` command in its own process, as operators do.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

function requireBuild(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
}

const baseEnv = () => ({ PATH: process.env.PATH ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });

export function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  requireBuild();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...baseEnv(), ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts a long-running command; `output` is everything it has written so far, both streams. */
export function spawnCli(args: string[], env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  requireBuild();
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...baseEnv(), ...env } });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, output: () => out, exited };
}

/** Starts a long-running command and waits until its output matches `ready`. */
export async function startProcess(
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<{ child: ChildProcess; output: () => string; exited: Promise<number | null> }> {
  const started = spawnCli(args, env);
  await new Promise<void>((resolve, reject) => {
    started.child.stdout!.on('data', () => {
      if (ready.test(started.output())) resolve();
    });
    void started.exited.then((code) => reject(new Error(`${args.join(' ')} exited ${code}: ${started.output()}`)));
  });
  return started;
}

/** Starts `direct-upload serve` and waits until it logs its address. */
export async function serve(
  env: Record<string, string>,
  flags: string[] = [],
): Promise<{ child: ChildProcess; url: string; exited: Promise<number | null> }> {
  const started = await startProcess(['serve', ...flags], env, /"publicUrl":"([^"]+)"/);
  const url = /"publicUrl":"([^"]+)"/.exec(started.output())![1]!;
  return { child: started.child, url, exited: started.exited };
}
