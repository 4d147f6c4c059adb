import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { DomainError } from '@direct-upload/core';
import { describeMetadataStoreContract, makeRecord } from '@direct-upload/core/testing';
import { POSTGRES_URL, serviceAvailable } from '../../../test/services.js';
import { migratePostgres, openPostgresMetadataStore, type PostgresMetadataStore } from './postgres-metadata-store.js';
import { MIGRATION_LOCK_KEY, migratePostgresDatabase } from './postgres-migrations.js';
import { createPgPool } from './pg-pool.js';
import { postgresMigrations } from './postgres-only-migrations.js';
import { schemaMigrator } from '../kysely/migrations.js';

const available = await serviceAvailable('PostgreSQL', POSTGRES_URL);

const token = () => randomBytes(6).toString('hex');
const newOwner = () => `owner-${token()}`;
const at = (iso: string) => new Date(iso);
/** Nothing listens on port 1: connecting is refused. */
const UNREACHABLE = 'postgres://postgres@127.0.0.1:1/test';

// Every schema this file creates is dropped at the end: parallel files and reruns never share tables.
const schemas: string[] = [];
let admin: pg.Client | undefined;

/** A connection of the test's own, outside any store, working in the default schema. */
async function adminQuery<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  if (!admin) {
    admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
  }
  return (await admin.query<T>(text, values)).rows;
}

/** A connection string whose sessions work in `schema`, tagged with an application name to find their backends. */
function urlFor(schema: string, applicationName = schema): string {
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  url.searchParams.set('application_name', applicationName);
  return url.toString();
}

/** Creates an empty schema and answers its name and a connection string working in it. */
async function freshSchema(): Promise<{ schema: string; url: string }> {
  const schema = `du_${token()}`;
  schemas.push(schema);
  await adminQuery(`create schema ${schema}`);
  return { schema, url: urlFor(schema) };
}

afterAll(async () => {
  if (!admin) return;
  for (const schema of schemas) await admin.query(`drop schema if exists ${schema} cascade`);
  await admin.end();
});

const migrationsIn = async (schema: string) =>
  (await adminQuery<{ name: string }>(`select name from ${schema}.kysely_migration order by name`)).map((r) => r.name);

describe.skipIf(!available)('PostgresMetadataStore', () => {
  describeMetadataStoreContract('PostgresMetadataStore', async () => {
    const { url } = await freshSchema();
    const store = await openPostgresMetadataStore(url, { poolSize: 5 });
    return { store, close: () => store.close() };
  });

  describe('two instances sharing one database', () => {
    let schema: string;
    let first: PostgresMetadataStore;
    let second: PostgresMetadataStore;
    beforeAll(async () => {
      const fresh = await freshSchema();
      schema = fresh.schema;
      first = await openPostgresMetadataStore(fresh.url, { poolSize: 5 });
      second = await openPostgresMetadataStore(fresh.url, { poolSize: 5 });
    });
    afterAll(async () => {
      await first?.close();
      await second?.close();
    });
    const either = (i: number) => (i % 2 === 0 ? first : second);

    it("see each other's writes", async () => {
      const record = makeRecord({ owner: newOwner() });
      await first.insertUpload(record);
      expect(await second.getUpload(record.id)).toEqual(record);
      // A duplicate id is the caller's mistake, not an outage.
      for (const attempt of [second.insertUpload(record), second.insertUploadWithinCap(record, 100, new Date())]) {
        const error = await attempt.catch((e: unknown) => e);
        expect(error).toBeInstanceOf(Error);
        expect(error).not.toBeInstanceOf(DomainError);
      }
    });

    it("wake each other's waiters when an upload leaves processing", async () => {
      const records = Array.from({ length: 3 }, () => makeRecord({ owner: newOwner(), status: 'processing', attempts: 1 }));
      for (const record of records) await first.insertUpload(record);
      // The first wait opens the listening connection; a change made meanwhile must not be missed.
      const started = Date.now();
      const waits = records.map((record) => first.waitForSettled(record.id, 20_000));
      for (const record of records) await second.transition(record.id, { status: 'processing', attempts: 1 }, { status: 'rejected', rejectionCode: 'invalid_image' });
      await Promise.all(waits);
      expect(Date.now() - started).toBeLessThan(10_000);
      // Listening now: a later change arrives as a notification.
      const late = makeRecord({ owner: newOwner(), status: 'processing', attempts: 1 });
      await first.insertUpload(late);
      const waiting = first.waitForSettled(late.id, 20_000);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const changedAt = Date.now();
      await second.transition(late.id, { status: 'processing', attempts: 1 }, { status: 'ready', completedAt: new Date() });
      // The notification carries the record as it became: the waiting side need not read it.
      expect(await waiting).toEqual(await first.getUpload(late.id));
      expect(Date.now() - changedAt).toBeLessThan(2_000);
    });

    it('let exactly one of 20 concurrent transitions win', async () => {
      const record = makeRecord({ owner: newOwner() });
      await first.insertUpload(record);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          either(i).transition(record.id, { status: 'pending' }, { status: 'processing', leaseUntil: new Date(Date.UTC(2026, 0, 1, 0, i)) }),
        ),
      );
      const winners = results.filter((r) => r !== null);
      expect(winners).toHaveLength(1);
      expect(await second.getUpload(record.id)).toEqual(winners[0]);
    });

    it('never exceed the pending cap under concurrent inserts from both', async () => {
      const now = at('2026-01-01T00:10:00.000Z');
      for (let round = 0; round < 3; round++) {
        const owner = newOwner();
        const results = await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            either(i).insertUploadWithinCap(makeRecord({ owner, expiresAt: at('2026-01-01T00:20:00.000Z') }), 5, now),
          ),
        );
        expect(results.filter(Boolean)).toHaveLength(5);
        const rows = await adminQuery<{ count: string }>(`select count(*) from ${schema}.uploads where owner = $1`, [owner]);
        expect(rows[0]?.count).toBe('5');
      }
    });
  });

  describe('migrations', () => {
    it('let five instances open a fresh schema at once, migrating it once', async () => {
      const { schema, url } = await freshSchema();
      const stores = await Promise.all(Array.from({ length: 5 }, () => openPostgresMetadataStore(url, { poolSize: 2 })));
      try {
        expect(await migrationsIn(schema)).toEqual(['0001_create_uploads', '0002_processing', '0003_postgres_locked_pending_count', '0004_partial_indexes']);
        const records = stores.map(() => makeRecord({ owner: newOwner() }));
        await Promise.all(stores.map((store, i) => store.insertUpload(records[i]!)));
        expect(await stores[0]!.getUpload(records[4]!.id)).toEqual(records[4]);
      } finally {
        await Promise.all(stores.map((store) => store.close()));
      }
    });

    it('run each migration once when migrated from five places at once, and then nothing', async () => {
      const { schema, url } = await freshSchema();
      const ran = await Promise.all(Array.from({ length: 5 }, () => migratePostgres(url)));
      expect(ran.flat()).toEqual(['0001_create_uploads', '0002_processing', '0003_postgres_locked_pending_count', '0004_partial_indexes']);
      expect(await migrationsIn(schema)).toEqual(['0001_create_uploads', '0002_processing', '0003_postgres_locked_pending_count', '0004_partial_indexes']);
      expect(await migratePostgres(url)).toEqual([]);
    });

    it('wait while another instance holds the migration lock, touching nothing, then migrate', async () => {
      const { schema } = await freshSchema();
      const name = `du_lock_${token()}`;
      const holder = new pg.Client({ connectionString: POSTGRES_URL });
      await holder.connect();
      try {
        await holder.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
        let settled = false;
        const opening = openPostgresMetadataStore(urlFor(schema, name));
        opening.then(
          () => (settled = true),
          () => (settled = true),
        );
        let waiting: unknown[] = [];
        while (waiting.length === 0 && !settled) {
          waiting = await adminQuery(`select pid from pg_stat_activity where application_name = $1 and wait_event = 'advisory'`, [name]);
        }
        expect(settled).toBe(false);
        expect(await adminQuery(`select table_name from information_schema.tables where table_schema = $1`, [schema])).toEqual([]);
        await holder.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]);
        const store = await opening;
        await store.close();
        expect(await migrationsIn(schema)).toEqual(['0001_create_uploads', '0002_processing', '0003_postgres_locked_pending_count', '0004_partial_indexes']);
      } finally {
        await holder.end();
      }
    });

    it("leave the session's own timeouts in place once done", async () => {
      const { url } = await freshSchema();
      // One connection, so the query after the migration runs in the session that migrated.
      const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: createPgPool(url, { poolSize: 1 }) }) });
      try {
        const before = await sql<{ statement: string; lock: string }>`select current_setting('statement_timeout') as statement, current_setting('lock_timeout') as lock`.execute(db);
        expect(await migratePostgresDatabase(db)).toEqual(['0001_create_uploads', '0002_processing', '0003_postgres_locked_pending_count', '0004_partial_indexes']);
        const after = await sql<{ statement: string; lock: string }>`select current_setting('statement_timeout') as statement, current_setting('lock_timeout') as lock`.execute(db);
        expect(after.rows).toEqual(before.rows);
        expect(after.rows[0]?.statement).not.toBe('0');
      } finally {
        await db.destroy();
      }
    });

    it('keep their bookkeeping in the schema they migrate, not in whichever schema has it first', async () => {
      const one = await freshSchema();
      const other = await freshSchema();
      expect(await migratePostgres(one.url)).toEqual(['0001_create_uploads', '0002_processing', '0003_postgres_locked_pending_count', '0004_partial_indexes']);
      expect(await migratePostgres(other.url)).toEqual(['0001_create_uploads', '0002_processing', '0003_postgres_locked_pending_count', '0004_partial_indexes']);
      expect(await migrationsIn(other.schema)).toEqual(['0001_create_uploads', '0002_processing', '0003_postgres_locked_pending_count', '0004_partial_indexes']);
    });

    it('keep every record, its listing and its quota through migration 0004, down and up again', async () => {
      const { schema, url } = await freshSchema();
      const owner = newOwner();
      const far = at('2099-01-01T00:00:00.000Z');
      const store = await openPostgresMetadataStore(url);
      const ready = [1, 2, 3].map((second) =>
        makeRecord({ owner, status: 'ready', storageKey: `public/${second}`, width: 4, height: 3, completedAt: at(`2026-01-01T00:00:0${second}.000Z`) }),
      );
      const unfinished = [makeRecord({ owner, expiresAt: far }), makeRecord({ owner, status: 'processing', expiresAt: far })];
      try {
        for (const record of [...ready, ...unfinished]) await store.insertUpload(record);
      } finally {
        await store.close();
      }
      // Back to the indexes as 0002 left them, with the rows in place: a database made before 0004.
      const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: createPgPool(url, { poolSize: 1 }) }) });
      try {
        const { error, results } = await schemaMigrator(db, { migrationTableSchema: schema, dialectMigrations: postgresMigrations }).migrateDown();
        expect(error).toBeUndefined();
        expect(results?.map((r) => [r.migrationName, r.status])).toEqual([['0004_partial_indexes', 'Success']]);
      } finally {
        await db.destroy();
      }
      const upgraded = await openPostgresMetadataStore(url);
      try {
        for (const record of [...ready, ...unfinished]) expect(await upgraded.getUpload(record.id)).toEqual(record);
        expect((await upgraded.listReady(owner, { limit: 10 })).map((r) => r.id)).toEqual(ready.map((r) => r.id).reverse());
        const now = at('2026-06-01T00:00:00.000Z');
        expect(await upgraded.insertUploadWithinCap(makeRecord({ owner, expiresAt: far }), 3, now)).toBe(true);
        expect(await upgraded.insertUploadWithinCap(makeRecord({ owner, expiresAt: far }), 3, now)).toBe(false);
      } finally {
        await upgraded.close();
      }
      expect(await migrationsIn(schema)).toEqual(['0001_create_uploads', '0002_processing', '0003_postgres_locked_pending_count', '0004_partial_indexes']);
    });

    it('create bigint columns for sizes and times, and the descending listing index', async () => {
      const { schema, url } = await freshSchema();
      await migratePostgres(url);
      const columns = await adminQuery<{ column_name: string; data_type: string; is_nullable: string }>(
        `select column_name, data_type, is_nullable from information_schema.columns
          where table_schema = $1 and table_name = 'uploads' order by ordinal_position`,
        [schema],
      );
      const types = Object.fromEntries(columns.map((c) => [c.column_name, c.data_type]));
      expect(types).toEqual({
        id: 'text',
        owner: 'text',
        status: 'text',
        filename: 'text',
        content_type: 'text',
        size: 'bigint',
        checksum_sha256: 'text',
        visibility: 'text',
        metadata: 'text',
        incoming_key: 'text',
        storage_key: 'text',
        width: 'integer',
        height: 'integer',
        rejection_code: 'text',
        created_at: 'bigint',
        expires_at: 'bigint',
        lease_until: 'bigint',
        completed_at: 'bigint',
        attempts: 'integer',
        variants: 'text',
        placeholder: 'text',
      });
      const nullable = columns.filter((c) => c.is_nullable === 'YES').map((c) => c.column_name);
      expect(nullable.sort()).toEqual(
        ['checksum_sha256', 'completed_at', 'height', 'lease_until', 'rejection_code', 'storage_key', 'width', 'variants', 'placeholder'].sort(),
      );
      const indexes = await adminQuery<{ indexname: string; indexdef: string }>(
        `select indexname, indexdef from pg_indexes where schemaname = $1 and tablename = 'uploads' order by indexname`,
        [schema],
      );
      expect(indexes.map((i) => i.indexname)).toEqual(['uploads_owner_listing', 'uploads_owner_pending', 'uploads_pkey', 'uploads_status_expiry']);
      expect(indexes[0]!.indexdef).toContain("(owner, completed_at DESC, id DESC) WHERE (status = 'ready'::text)");
      expect(indexes[1]!.indexdef).toContain("(owner, expires_at) WHERE (status = ANY (ARRAY['pending'::text, 'processing'::text]))");
    });

    it('leave the schema alone when told not to migrate', async () => {
      const { schema, url } = await freshSchema();
      const store = await openPostgresMetadataStore(url, { migrate: false });
      try {
        await expect(store.ping()).resolves.toBeUndefined();
        const error = await store.getUpload('x').catch((e: unknown) => e);
        expect(error).toBeInstanceOf(Error);
        expect(error).not.toBeInstanceOf(DomainError);
        const tables = await adminQuery(`select 1 from information_schema.tables where table_schema = $1`, [schema]);
        expect(tables).toEqual([]);
      } finally {
        await store.close();
      }
    });

    it('refuse, without calling it an outage, a search_path naming no schema', async () => {
      const url = urlFor(`du_missing_${token()}`);
      const error = await openPostgresMetadataStore(url).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(DomainError);
      expect((error as Error).message).toMatch(/search_path/);
    });
  });

  describe('outages', () => {
    it('answers 503 when the database cannot be reached, at open or at the first query', async () => {
      const opening = await openPostgresMetadataStore(UNREACHABLE).catch((e: unknown) => e);
      expect(opening).toBeInstanceOf(DomainError);
      expect(opening).toMatchObject({ code: 'service_unavailable' });
      await expect(migratePostgres(UNREACHABLE)).rejects.toMatchObject({ code: 'service_unavailable' });

      const store = await openPostgresMetadataStore(UNREACHABLE, { migrate: false });
      try {
        await expect(store.ping()).rejects.toMatchObject({ code: 'service_unavailable' });
        await expect(store.getUpload('x')).rejects.toMatchObject({ code: 'service_unavailable' });
        await expect(store.insertUploadWithinCap(makeRecord(), 5, new Date())).rejects.toMatchObject({ code: 'service_unavailable' });
      } finally {
        await store.close();
      }
    });

    it('answers 503 once closed', async () => {
      const { url } = await freshSchema();
      const store = await openPostgresMetadataStore(url);
      await store.close();
      await store.close();
      await expect(store.ping()).rejects.toMatchObject({ code: 'service_unavailable' });
      await expect(store.getUpload('x')).rejects.toMatchObject({ code: 'service_unavailable' });
    });

    it('survives its idle connections being killed, and reconnects', async () => {
      const { schema } = await freshSchema();
      const name = `du_idle_${token()}`;
      const lost: Error[] = [];
      const store = await openPostgresMetadataStore(urlFor(schema, name), { poolSize: 3, onConnectionError: (e) => lost.push(e) });
      try {
        const record = makeRecord({ owner: newOwner() });
        await store.insertUpload(record);
        const killed = await adminQuery(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1`, [name]);
        expect(killed.length).toBeGreaterThan(0);
        // The pool reports each idle connection it loses, without the error escaping to the process.
        while (lost.length < killed.length) await new Promise((resolve) => setTimeout(resolve, 10));
        expect(lost.every((e) => e instanceof Error)).toBe(true);
        expect(await store.getUpload(record.id)).toEqual(record);
      } finally {
        await store.close();
      }
    });

    it('answers 503 for a query whose session is terminated, then serves the next on a fresh connection', async () => {
      const { schema } = await freshSchema();
      const name = `du_busy_${token()}`;
      const store = await openPostgresMetadataStore(urlFor(schema, name), { poolSize: 2 });
      const holder = new pg.Client({ connectionString: urlFor(schema, `${name}_holder`) });
      await holder.connect();
      try {
        const record = makeRecord({ owner: newOwner() });
        await store.insertUpload(record);
        await holder.query('begin');
        await holder.query('select 1 from uploads where id = $1 for update', [record.id]);
        const waiting = store.transition(record.id, { status: 'pending' }, { status: 'processing' }).catch((e: unknown) => e);
        let pids: { pid: number }[] = [];
        while (pids.length === 0) {
          pids = await adminQuery(`select pid from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock'`, [name]);
        }
        await adminQuery('select pg_terminate_backend($1)', [pids[0]!.pid]);
        expect(await waiting).toMatchObject({ code: 'service_unavailable' });
        await holder.query('rollback');
        expect(await store.transition(record.id, { status: 'pending' }, { status: 'processing' })).toMatchObject({ status: 'processing' });
      } finally {
        await holder.end();
        await store.close();
      }
    });
  });

  describe('persistence', () => {
    it('keeps every record across close and reopen, large sizes and times as numbers', async () => {
      const { url } = await freshSchema();
      const first = await openPostgresMetadataStore(url);
      const pending = makeRecord({ owner: newOwner(), size: 5 * 1024 ** 3, metadata: { album: 'x' } });
      const ready = makeRecord({
        owner: newOwner(),
        status: 'ready',
        storageKey: 'public/r',
        width: 4,
        height: 3,
        expiresAt: at('2200-01-01T00:00:00.001Z'),
        completedAt: at('2026-01-01T00:00:10.000Z'),
      });
      await first.insertUpload(pending);
      await first.insertUpload(ready);
      await first.transition(pending.id, { status: 'pending' }, { status: 'processing', leaseUntil: at('2026-01-01T00:01:00.000Z') });
      await first.close();

      const second = await openPostgresMetadataStore(url);
      try {
        const reread = await second.getUpload(pending.id);
        expect(reread).toEqual({ ...pending, status: 'processing', leaseUntil: at('2026-01-01T00:01:00.000Z') });
        expect(typeof reread?.size).toBe('number');
        expect(await second.getUpload(ready.id)).toEqual(ready);
        expect(await second.listReady(ready.owner, { limit: 10 })).toEqual([ready]);
      } finally {
        await second.close();
      }
    });
  });
});
