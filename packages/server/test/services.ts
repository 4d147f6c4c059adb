// Which external services tests may use: they run whenever the service answers, and must in CI.
import { randomUUID } from 'node:crypto';
import { portAnswers } from '../src/port-answers-fixture.js';

export const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * True when the service answers. Outside CI a missing service skips its tests (with a notice);
 * in CI (CI=true) it fails them, so they can never be skipped silently there.
 */
export async function serviceAvailable(name: 'PostgreSQL' | 'Redis', url: string): Promise<boolean> {
  if (await portAnswers(url, name === 'PostgreSQL' ? 5432 : 6379)) return true;
  if (process.env.CI === 'true') throw new Error(`${name} is required in CI but does not answer at ${url}`);
  console.warn(`${name} does not answer at ${url}: its tests are skipped (they always run in CI).`);
  return false;
}

export interface TestDatabase {
  /** Connection string of the new, empty database. */
  url: string;
  drop(): Promise<void>;
}

/** A fresh PostgreSQL database for one test file, so runs and parallel files never collide. */
export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const { default: pg } = await import('pg');
  const name = `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`);
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}
