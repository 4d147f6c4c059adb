// Starts the processes under test: the API (built CLI), a worker, the echo server, the 2-hop proxy, s3rver.
import { existsSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baseEnv, freePort, startNode, waitForHttp, waitForOutput, type Child } from './processes.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The built command under test: this checkout's, or another build's (`BENCH_CLI`) for a before/after comparison. */
export const CLI = process.env.BENCH_CLI ? resolve(process.env.BENCH_CLI) : join(ROOT, 'packages/server/dist/cli.js');
const BENCH = join(ROOT, 'bench');

/** Where the server under test runs, and where everything else (load, client, s3rver, worker) runs. */
export const SERVER_CPU = 0;
export const CLIENT_CPU = 1;

export const JWT_SECRET = 'bench-jwt-secret-0123456789abcdef0123456789';
const SECRET_KEY = 'bench-secret-key-0123456789abcdef0123456789';
const HUGE = '1000000000';

export function requireBuild(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (npm run build && npm run bench)`);
}

export interface S3Endpoint {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface Running {
  child: Child;
  url: string;
}

const tempDirs: string[] = [];
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}
export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

const tsx = (script: string) => ['--import', 'tsx', join(BENCH, script)];

export async function startS3(): Promise<{ child: Child; s3: S3Endpoint }> {
  const child = await startNode('s3rver', CLIENT_CPU, tsx('s3rver-process.ts'), baseEnv());
  const line = await waitForOutput(child, /^\{.*"endpoint".*\}$/m);
  return { child, s3: JSON.parse(line[0]) as S3Endpoint };
}

export function s3Env(s3: S3Endpoint): Record<string, string> {
  return {
    STORAGE: 's3',
    S3_BUCKET: s3.bucket,
    S3_ENDPOINT: s3.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    S3_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
  };
}

/**
 * The configuration every API under test shares: bearer tokens, limits out of the way, quiet logs,
 * no periodic sweep, and `complete` answering at once (202) instead of waiting for processing.
 */
export function apiEnv(extra: Record<string, string>): Record<string, string> {
  return {
    HOST: '127.0.0.1',
    AUTH_MODE: 'jwt',
    AUTH_JWT_SECRET: JWT_SECRET,
    SECRET_KEY,
    LOG_LEVEL: 'silent',
    METRICS: 'on',
    RATE_LIMIT_PER_MINUTE: HUGE,
    RATE_LIMIT_PER_IP_PER_MINUTE: HUGE,
    MAX_PENDING_UPLOADS: HUGE,
    UPLOAD_MAX_BYTES: String(64 * 1024 * 1024),
    SWEEP_INTERVAL_SECONDS: '0',
    COMPLETE_WAIT_MS: '0',
    DATA_DIR: tempDir('du-bench-api-'),
    ...extra,
  };
}

/** `direct-upload serve [flags]` on the server CPU (node started with `nodeArgs`); ready when /healthz answers. */
export async function startApi(name: string, env: Record<string, string>, flags: string[] = ['--no-worker'], nodeArgs: string[] = []): Promise<Running> {
  const port = await freePort();
  const child = await startNode(name, SERVER_CPU, [...nodeArgs, CLI, 'serve', ...flags], { ...baseEnv(), ...env, PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(child, `${url}/healthz`);
  return { child, url };
}

/** `direct-upload worker` on the client CPU: its processing never counts as the API's. */
export async function startWorker(env: Record<string, string>): Promise<Child> {
  const child = await startNode('worker', CLIENT_CPU, [CLI, 'worker'], { ...baseEnv(), ...env, LOG_LEVEL: 'info' });
  await waitForOutput(child, /worker started/);
  return child;
}

/** The bare Fastify echo of part (a) on the server CPU, with node's `nodeArgs` (after tsx's loader) and `env` added. */
export async function startEcho(nodeArgs: string[] = [], env: Record<string, string> = {}): Promise<Running> {
  const args = ['--import', 'tsx', ...nodeArgs, join(BENCH, 'echo-server.ts')];
  const child = await startNode('echo', SERVER_CPU, args, { ...baseEnv(), ...env, PORT: String(await freePort()) });
  const url = (await waitForOutput(child, /listening (http:\/\/\S+)/))[1]!;
  return { child, url };
}

export async function startTwoHop(s3: S3Endpoint): Promise<Running> {
  const child = await startNode('two-hop-proxy', SERVER_CPU, tsx('two-hop-proxy.ts'), {
    ...baseEnv(),
    ...s3Env(s3),
    AUTH_JWT_SECRET: JWT_SECRET,
    UPLOAD_MAX_BYTES: String(64 * 1024 * 1024),
    PORT: String(await freePort()),
  });
  const url = (await waitForOutput(child, /listening (http:\/\/\S+)/))[1]!;
  return { child, url };
}
