// A throw-away PostgreSQL database for one benchmark run, and a look at upload states without the API.
import { randomUUID } from 'node:crypto';
import { portAnswers } from '../../packages/server/src/port-answers-fixture.js';
import pg from 'pg';
import { sleep } from './processes.js';

export const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function postgresAnswers(url = POSTGRES_URL): Promise<boolean> {
  return portAnswers(url, 5432);
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export interface BenchDatabase {
  url: string;
  /** Statuses of the given uploads, read straight from the table (no API call, so no API CPU). */
  statuses(ids: string[]): Promise<Map<string, string>>;
  drop(): Promise<void>;
}

export async function createDatabase(): Promise<BenchDatabase> {
  const name = `du_bench_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  await admin(`create database ${name}`);
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  const reader = new pg.Client({ connectionString: url.toString() });
  let connected = false;
  return {
    url: url.toString(),
    async statuses(ids) {
      if (!connected) {
        await reader.connect();
        connected = true;
      }
      const { rows } = await reader.query<{ id: string; status: string }>('select id, status from uploads where id = any($1)', [ids]);
      return new Map(rows.map((row) => [row.id, row.status]));
    },
    async drop() {
      if (connected) await reader.end().catch(() => undefined);
      await admin(`drop database if exists ${name} with (force)`);
    },
  };
}

/** Waits (bounded) until no upload of `ids` is still processing; answers how many ended in each status. */
export async function waitProcessed(db: BenchDatabase, ids: string[], timeoutMs: number): Promise<Record<string, number>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const statuses = await db.statuses(ids);
    const counts: Record<string, number> = {};
    for (const id of ids) {
      const status = statuses.get(id) ?? 'missing';
      counts[status] = (counts[status] ?? 0) + 1;
    }
    if (!counts.processing && !counts.pending) return counts;
    if (Date.now() > until) return counts;
    await sleep(100);
  }
}
