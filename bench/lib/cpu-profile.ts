// Reads a V8 .cpuprofile and splits the busy samples by the library that was running.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
}

/** Which part of the stack a frame belongs to; null for frames that tell nothing (node internals, anonymous). */
export function bucketOf(url: string): string | null {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
  if (pkg) {
    if (pkg.startsWith('@aws-sdk/') || pkg.startsWith('@smithy/') || pkg.startsWith('@aws-crypto/')) return 'AWS SDK (presign, HeadObject)';
    if (pkg === 'jose') return 'jose (JWT verify)';
    if (pkg === 'zod') return 'zod (validation)';
    if (pkg === 'kysely') return 'kysely (query building)';
    if (pkg === 'better-sqlite3') return 'better-sqlite3 (SQLite)';
    if (pkg === 'pg' || pkg.startsWith('pg-') && pkg !== 'pg-boss') return 'pg (PostgreSQL driver)';
    if (pkg === 'pg-boss') return 'pg-boss (enqueue)';
    if (pkg === 'fastify' || pkg.startsWith('@fastify/') || ['find-my-way', 'avvio', 'light-my-request', 'fast-json-stringify', 'secure-json-parse'].includes(pkg)) return 'Fastify';
    if (pkg === 'prom-client') return 'prom-client (metrics)';
    if (pkg === 'pino' || pkg.startsWith('pino-')) return 'pino (logging)';
    if (pkg === 'rate-limiter-flexible') return 'rate limiter';
    return `other: ${pkg}`;
  }
  if (/\/adapters\/s3\/(sigv4-presigner|s3-upload-signer|s3-url-resolver)\./.test(url)) return 'SigV4 presigning (own signer)';
  if (/\/packages\/(server|core|protocol)\//.test(url)) return 'direct-upload code (routes, use cases, adapters)';
  return null;
}

/** Where a frame of no known library goes: V8's own entries by name, node's modules by module, the rest to 'other'. */
export function frameBucket(functionName: string, url: string): string {
  if (functionName.startsWith('(')) return functionName;
  return url.startsWith('node:') ? `node: ${url.slice(5).replace(/^internal\//, '')}` : 'other';
}

/**
 * Busy time by bucket, in percent: each sample goes to the innermost frame that belongs to a known
 * library (so node:crypto under jose counts as jose); samples with none go to the leaf's own name.
 * Only samples at or after `fromMs` (from the profile's start) count.
 */
export function profileBuckets(file: string, fromMs = 0): { busyMs: number; buckets: Array<[string, number]> } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const totals = new Map<string, number>();
  let busy = 0;
  let at = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    const weight = profile.timeDeltas[i + 1] ?? 0;
    if (at / 1000 < fromMs) continue;
    const leaf = byId.get(profile.samples[i]!)!;
    const name = leaf.callFrame.functionName;
    if (name === '(idle)') continue;
    let bucket: string | null = null;
    for (let id: number | undefined = leaf.id; id !== undefined && bucket === null; id = parent.get(id)) bucket = bucketOf(byId.get(id)!.callFrame.url);
    bucket ??= frameBucket(name, leaf.callFrame.url);
    totals.set(bucket, (totals.get(bucket) ?? 0) + weight);
    busy += weight;
  }
  const buckets = [...totals].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, (v / busy) * 100] as [string, number]);
  return { busyMs: busy / 1000, buckets };
}
