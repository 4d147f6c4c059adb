// `doctor`: checks configuration, store, CORS, clock, database and Redis; reports, never throws.
import { randomUUID } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import type { DependencyCheck } from '@direct-upload/core';
import type { Config } from '../config/config.js';
import { s3ClientFor } from '../adapters-from-config.js';
import { defaultPublicBaseUrl } from '../adapters/s3/s3-url-resolver.js';
import { checkResult, type CheckResult, type CheckStatus } from './check-result.js';
import { checkBucketAccess, checkObjectRoundTrip } from './doctor-bucket.js';
import { checkClock } from './doctor-clock.js';
import { checkConfiguration } from './doctor-config.js';
import { checkCors } from './doctor-cors.js';
import { checkPing, checkWritableDirectories } from './doctor-local.js';

export interface DoctorDeps {
  /** The validated configuration (loadConfig). */
  config: Readonly<Config>;
  /** The metadata store's ping (MetadataStore.ping). */
  database: DependencyCheck;
  /** Redis' ping, when the deployment uses Redis. */
  redis?: DependencyCheck | null;
  /** S3 storage only: the client the server would use; one is made from the configuration when absent. */
  s3Client?: S3Client;
  fetch?: typeof fetch;
  /** This host's clock. */
  clock?: () => Date;
  newId?: () => string;
  /** Per check; a check that takes longer fails. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface DoctorReport {
  /** False when any check failed: the caller exits non-zero. */
  ok: boolean;
  checks: CheckResult[];
}

const DEFAULT_TIMEOUT_MS = 10_000;

export async function runDoctor(deps: DoctorDeps): Promise<DoctorReport> {
  const { config } = deps;
  const clock = deps.clock ?? (() => new Date());
  const newId = deps.newId ?? randomUUID;
  const timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const guard = <T extends CheckResult | CheckResult[]>(name: string, run: (signal: AbortSignal) => Promise<T>) =>
    guarded(name, run, timeoutMs, deps.signal);
  const checks: CheckResult[] = [checkConfiguration(config)];

  if (config.storage.kind === 'disk') {
    const { root } = config.storage;
    checks.push(await guard('data directory', () => checkWritableDirectories('data directory', [config.dataDir, root], `.doctor-${newId()}`)));
  } else {
    const { bucket, region, endpoint, forcePathStyle } = config.storage;
    const client = deps.s3Client ?? s3ClientFor(config.storage);
    const common = { client, bucket, ...(endpoint ? { endpoint } : {}), ...(deps.fetch ? { fetch: deps.fetch } : {}), clock };
    try {
      const access = await guard('bucket', (signal) => checkBucketAccess({ ...common, signal }));
      checks.push(access);
      if (access.status === 'fail') {
        checks.push(checkResult('upload round trip', 'skip', 'not run: the bucket check failed'));
        checks.push(checkResult('cors', 'skip', 'not run: the bucket check failed'));
      } else {
        checks.push(await guard('upload round trip', (signal) => checkObjectRoundTrip({ ...common, key: `incoming/doctor-${newId()}`, signal })));
        const cors = await guard('cors', (signal) =>
          checkCors({ ...common, corsOrigins: config.corsOrigins, publicUrl: config.publicUrl, key: `incoming/doctor-${newId()}`, signal }),
        );
        checks.push(...[cors].flat());
      }
      // Run even when the bucket check failed: a skewed clock is one reason it can.
      const url = `${defaultPublicBaseUrl({ bucket, region, forcePathStyle, ...(endpoint ? { endpoint } : {}) })}/`;
      checks.push(
        await guard('clock', (signal) =>
          checkClock({ url, clock, urlTtlSeconds: config.upload.urlTtlSeconds, signal, ...(deps.fetch ? { fetch: deps.fetch } : {}) }),
        ),
      );
    } finally {
      if (!deps.s3Client) client.destroy();
    }
  }

  const database = describeDatabase(config.database);
  checks.push(
    await guard('database', (signal) => checkPing('database', deps.database, signal, `Check DATABASE_URL (${database}) and that the database is reachable from this host.`)),
  );
  if (deps.redis) {
    const redis = deps.redis;
    checks.push(await guard('redis', (signal) => checkPing('redis', redis, signal, 'Check REDIS_URL and that Redis is running and reachable from this host.')));
  }
  return { ok: checks.every((check) => check.status !== 'fail'), checks };
}

/** Where the database is, without its password. */
function describeDatabase(database: Readonly<Config['database']>): string {
  if ('filename' in database) return `SQLite file ${database.filename}`;
  if ('url' in database) {
    try {
      const url = new URL(database.url);
      if (url.password) url.password = '***';
      return url.toString();
    } catch {
      return 'an unparsable URL';
    }
  }
  return 'unknown';
}

/** Runs one check with a deadline; whatever it throws or however long it hangs becomes a failed check. */
async function guarded<T extends CheckResult | CheckResult[]>(
  name: string,
  run: (signal: AbortSignal) => Promise<T>,
  timeoutMs: number,
  parent: AbortSignal | undefined,
): Promise<T | CheckResult> {
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = parent ? AbortSignal.any([parent, deadline]) : deadline;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<CheckResult>((resolve) => {
    onAbort = () =>
      resolve(
        checkResult(
          name,
          'fail',
          parent?.aborted ? 'interrupted' : `no answer within ${timeoutMs / 1000} s`,
          parent?.aborted ? undefined : 'Check that the service is reachable from this host.',
        ),
      );
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([run(signal), aborted]);
  } catch (error) {
    return checkResult(name, 'fail', `the check itself failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

const LABEL: Record<CheckStatus, string> = { ok: ' ok ', warn: 'warn', fail: 'FAIL', skip: 'skip' };

/** The report as text for a terminal. */
export function formatDoctorReport(report: DoctorReport): string {
  const width = Math.max(0, ...report.checks.map((check) => check.name.length));
  // Under the detail column: two spaces, the six-character tag, a space, the name, two spaces.
  const indent = ' '.repeat(width + 11);
  const lines = ['direct-upload doctor', ''];
  for (const check of report.checks) {
    const [first, ...rest] = check.detail.split('\n');
    lines.push(`  [${LABEL[check.status]}] ${check.name.padEnd(width)}  ${first}`);
    for (const line of rest) lines.push(`${indent}${line}`);
    if (check.fix) lines.push(`${indent}fix: ${check.fix}`);
  }
  const count = (status: CheckStatus) => report.checks.filter((check) => check.status === status).length;
  lines.push('', `${count('ok')} ok, ${count('warn')} warning(s), ${count('fail')} failed, ${count('skip')} skipped.`);
  return `${lines.join('\n')}\n`;
}
