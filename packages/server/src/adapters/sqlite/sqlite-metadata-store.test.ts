import { afterAll, describe, expect, it, vi } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { MemoryMetadataStore, type UploadRecord } from '@direct-upload/core';
import { describeMetadataStoreContract, makeRecord } from '@direct-upload/core/testing';
import { migrateToLatest, schemaMigrator } from '../kysely/migrations.js';
import { AT_CAP_QUERY, openSqliteMetadataStore, type SqliteMetadataStore, type SqliteOptions } from './sqlite-metadata-store.js';
import type { Database } from '../kysely/uploads-table.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'direct-upload-sqlite-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Runs `test` on a store over a new database file and on a second connection to that file, then closes both. */
async function withTwoConnections(
  test: (store: SqliteMetadataStore, other: BetterSqlite3.Database) => Promise<void>,
  options?: SqliteOptions,
): Promise<void> {
  const file = join(await tempDir(), 'metadata.db');
  const store = await openSqliteMetadataStore(file, options);
  const other = new BetterSqlite3(file);
  try {
    await test(store, other);
  } finally {
    other.close();
    await store.close();
  }
}

/** Runs `test` on a migrated in-memory database (with the names of the migrations that ran), then closes it. */
async function onFreshMemoryDatabase(test: (connection: BetterSqlite3.Database, migrated: string[]) => Promise<void>): Promise<void> {
  const connection = new BetterSqlite3(':memory:');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: connection }) });
  try {
    await test(connection, await migrateToLatest(db));
  } finally {
    await db.destroy();
  }
}

describeMetadataStoreContract('SqliteMetadataStore (file)', async () => {
  // A directory that does not exist yet: the factory creates it.
  const store = await openSqliteMetadataStore(join(await tempDir(), 'nested', 'metadata.db'));
  return { store, close: () => store.close() };
});

describeMetadataStoreContract('SqliteMetadataStore (:memory:)', async () => {
  const store = await openSqliteMetadataStore(':memory:');
  return { store, close: () => store.close() };
});

describeMetadataStoreContract('MemoryMetadataStore', async () => ({ store: new MemoryMetadataStore() }));

describe('SqliteMetadataStore on a file', () => {
  it('keeps every record across close and reopen', async () => {
    const file = join(await tempDir(), 'metadata.db');
    const first = await openSqliteMetadataStore(file);
    const pending = makeRecord({ metadata: { album: 'x' } });
    const ready = makeRecord({ status: 'ready', storageKey: 'public/r', width: 4, height: 3, completedAt: new Date('2026-01-01T00:00:10.000Z') });
    await first.insertUpload(pending);
    await first.insertUpload(ready);
    await first.transition(pending.id, { status: 'pending' }, { status: 'processing', leaseUntil: new Date('2026-01-01T00:01:00.000Z') });
    await first.close();

    const second = await openSqliteMetadataStore(file);
    try {
      expect(await second.getUpload(pending.id)).toEqual({ ...pending, status: 'processing', leaseUntil: new Date('2026-01-01T00:01:00.000Z') });
      expect(await second.getUpload(ready.id)).toEqual(ready);
    } finally {
      await second.close();
    }
  });

  it('keeps every record, its listing and its quota through migration 0004, down and up again', async () => {
    const file = join(await tempDir(), 'metadata.db');
    const store = await openSqliteMetadataStore(file);
    const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second));
    const ready = [1, 2, 3].map((second) => makeRecord({ status: 'ready', storageKey: `public/${second}`, width: 4, height: 3, completedAt: at(second) }));
    const pending = makeRecord({ expiresAt: new Date('2099-01-01T00:00:00.000Z') });
    const processing = makeRecord({ status: 'processing', expiresAt: new Date('2099-01-01T00:00:00.000Z') });
    for (const record of [...ready, pending, processing]) await store.insertUpload(record);
    await store.close();

    // Back to the indexes as 0002 left them, with the rows in place: the state of a database made before 0004.
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new BetterSqlite3(file) }) });
    try {
      const { error, results } = await schemaMigrator(db).migrateDown();
      expect(error).toBeUndefined();
      expect(results?.map((r) => [r.migrationName, r.status])).toEqual([['0004_partial_indexes', 'Success']]);
    } finally {
      await db.destroy();
    }

    const upgraded = await openSqliteMetadataStore(file);
    try {
      for (const record of [...ready, pending, processing]) expect(await upgraded.getUpload(record.id)).toEqual(record);
      expect((await upgraded.listReady('owner-1', { limit: 10 })).map((r) => r.id)).toEqual(ready.map((r) => r.id).reverse());
      // Two unfinished uploads count against a cap of three: one more fits, the next does not.
      const now = new Date('2026-06-01T00:00:00.000Z');
      expect(await upgraded.insertUploadWithinCap(makeRecord({ expiresAt: new Date('2099-01-01T00:00:00.000Z') }), 3, now)).toBe(true);
      expect(await upgraded.insertUploadWithinCap(makeRecord({ expiresAt: new Date('2099-01-01T00:00:00.000Z') }), 3, now)).toBe(false);
    } finally {
      await upgraded.close();
    }
  });

  it('runs its migrations once: again at open, or again by hand, they change nothing', async () => {
    const file = join(await tempDir(), 'metadata.db');
    const store = await openSqliteMetadataStore(file);
    const record = makeRecord();
    await store.insertUpload(record);
    await store.close();

    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new BetterSqlite3(file) }) });
    try {
      expect(await migrateToLatest(db)).toEqual([]);
      expect(await migrateToLatest(db)).toEqual([]);
    } finally {
      await db.destroy();
    }
    const reopened = await openSqliteMetadataStore(file);
    try {
      expect(await reopened.getUpload(record.id)).toEqual(record);
    } finally {
      await reopened.close();
    }
  });

  it('migrates a fresh database and creates the listing, sweeping and counting indexes', async () => {
    await onFreshMemoryDatabase(async (connection, migrated) => {
      expect(migrated).toEqual(['0001_create_uploads', '0002_processing', '0004_partial_indexes']);
      const indexes = connection
        .prepare("select name from sqlite_master where type = 'index' and tbl_name = 'uploads' and sql is not null order by name")
        .all()
        .map((row) => (row as { name: string }).name);
      expect(indexes).toEqual(['uploads_owner_listing', 'uploads_owner_pending', 'uploads_status_expiry']);
      const plan = (query: string, ...parameters: unknown[]) =>
        connection
          .prepare(`explain query plan ${query}`)
          .all(...parameters)
          .map((row) => (row as { detail: string }).detail)
          .join('\n');
      const listing = plan(
        "select * from uploads where owner = 'o' and status = 'ready' and completed_at is not null order by completed_at desc, id desc limit 10",
      );
      expect(listing).toContain('uploads_owner_listing');
      expect(listing).not.toContain('TEMP B-TREE');
      // The quota check, exactly as the store prepares it: a search of the partial index, no co-routine.
      const atCap = plan(AT_CAP_QUERY, 'o', 1, 9);
      expect(atCap).toContain('SEARCH uploads USING INDEX uploads_owner_pending (owner=? AND expires_at>?)');
      expect(atCap).not.toContain('CO-ROUTINE');
      expect(plan("select * from uploads where status = ? and (lease_until is null or lease_until < 5) order by lease_until limit 10", 'processing')).toContain(
        'uploads_status_expiry (status=?)',
      );
    });
  });

  it('adds a pending upload to the quota index only, and a ready one to the listing index only', async () => {
    await onFreshMemoryDatabase(async (connection) => {
      const WHERE: Record<string, string> = {
        uploads_owner_listing: "status = 'ready' and owner is not null",
        uploads_owner_pending: "status in ('pending', 'processing') and owner is not null",
      };
      // INDEXED BY fails the statement unless that index can answer it: the count is of its entries.
      const entries = (index: string) => (connection.prepare(`select count(*) as n from uploads indexed by ${index} where ${WHERE[index]}`).get() as { n: number }).n;
      const insert = connection.prepare(
        "insert into uploads (id, owner, status, filename, content_type, size, visibility, metadata, incoming_key, created_at, expires_at, completed_at) values (?, 'o', ?, 'a.png', 'image/png', 1, 'public', '{}', 'incoming/o/x', 1, 2, ?)",
      );
      insert.run('a', 'pending', null);
      expect([entries('uploads_owner_pending'), entries('uploads_owner_listing')]).toEqual([1, 0]);
      connection.prepare("update uploads set status = 'ready', completed_at = 3 where id = 'a'").run();
      expect([entries('uploads_owner_pending'), entries('uploads_owner_listing')]).toEqual([0, 1]);
    });
  });

  it('puts the database in WAL mode', async () => {
    const file = join(await tempDir(), 'metadata.db');
    const store = await openSqliteMetadataStore(file);
    // The journal mode is a property of the file, so a second connection sees it too.
    const other = new BetterSqlite3(file);
    try {
      expect(other.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      other.close();
      await store.close();
    }
  });

  it('answers 503 while another connection holds the write lock, and recovers after', async () => {
    await withTwoConnections(async (store, other) => {
      const started = makeRecord();
      await store.insertUpload(started);
      other.exec('begin immediate');
      const record = makeRecord();
      await expect(store.insertUpload(record)).rejects.toMatchObject({ code: 'service_unavailable' });
      await expect(store.transition(started.id, { status: 'pending' }, { status: 'processing' })).rejects.toMatchObject({ code: 'service_unavailable' });
      // Readers are not blocked by a writer in WAL mode.
      await expect(store.ping()).resolves.toBeUndefined();
      other.exec('rollback');
      await store.insertUpload(record);
      expect(await store.getUpload(record.id)).toEqual(record);
      expect(await store.getUpload(started.id)).toEqual(started);
      expect(await store.transition(started.id, { status: 'pending' }, { status: 'processing' })).toMatchObject({ status: 'processing' });
    }, { busyTimeoutMs: 50 });
  });

  it('answers 503 for a file that is not a database', async () => {
    const file = join(await tempDir(), 'not-a-database.db');
    await writeFile(file, 'x'.repeat(4096));
    await expect(openSqliteMetadataStore(file)).rejects.toMatchObject({ code: 'service_unavailable' });
  });

  it('answers 503 once closed', async () => {
    const store = await openSqliteMetadataStore(':memory:');
    await store.close();
    await expect(store.ping()).rejects.toMatchObject({ code: 'service_unavailable' });
    await expect(store.getUpload('x')).rejects.toMatchObject({ code: 'service_unavailable' });
  });

  it('does not report a duplicate id as an outage', async () => {
    const store = await openSqliteMetadataStore(':memory:');
    try {
      const record = makeRecord();
      await store.insertUpload(record);
      const error = await store.insertUpload(record).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toHaveProperty('code', 'service_unavailable');
    } finally {
      await store.close();
    }
  });

  it('writes the capped inserts of one turn together: a duplicate fails alone, the cap holds', async () => {
    const store = await openSqliteMetadataStore(':memory:');
    try {
      const now = new Date('2026-01-01T00:10:00.000Z');
      const expiresAt = new Date('2026-01-01T00:20:00.000Z');
      const existing = makeRecord({ owner: 'a', expiresAt });
      await store.insertUpload(existing);
      const records = [
        makeRecord({ owner: 'a', expiresAt }),
        { ...existing },
        makeRecord({ owner: 'a', expiresAt }),
        makeRecord({ owner: 'a', expiresAt }),
        makeRecord({ owner: 'b', expiresAt }),
      ];
      const outcomes = await Promise.all(records.map((r) => store.insertUploadWithinCap(r, 3, now).then((v) => v, (e: unknown) => e)));
      expect(outcomes[0]).toBe(true);
      expect(outcomes[1]).toBeInstanceOf(Error);
      expect(outcomes[1]).not.toHaveProperty('code', 'service_unavailable');
      expect(outcomes.slice(2)).toEqual([true, false, true]);
      for (const i of [0, 2, 4]) expect(await store.getUpload(records[i]!.id)).toEqual(records[i]);
      expect(await store.getUpload(records[3]!.id)).toBeNull();
    } finally {
      await store.close();
    }
  });

  it('fails a whole turn with 503 when the write lock is held, and loses nothing written before', async () => {
    await withTwoConnections(async (store, other) => {
      const kept = makeRecord({ owner: 'k' });
      expect(await store.insertUploadWithinCap(kept, 10, new Date(0))).toBe(true);
      other.exec('begin immediate');
      const outcomes = await Promise.all([makeRecord(), makeRecord()].map((r) => store.insertUploadWithinCap(r, 10, new Date(0)).catch((e: unknown) => e)));
      for (const outcome of outcomes) expect(outcome).toMatchObject({ code: 'service_unavailable' });
      other.exec('rollback');
      expect(await store.getUpload(kept.id)).toEqual(kept);
      expect(await store.insertUploadWithinCap(makeRecord(), 10, new Date(0))).toBe(true);
    }, { busyTimeoutMs: 50 });
  });

  it('writes the compare-and-sets of one turn in one transaction, with the creates of that turn', async () => {
    await withTwoConnections(async (store, other) => {
      // Frames in the WAL since the last checkpoint: each commit appends the pages it changed.
      const framesSince = async (write: () => Promise<unknown>) => {
        other.pragma('wal_checkpoint(TRUNCATE)');
        await write();
        return (other.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number }>)[0]!.log;
      };
      const records = Array.from({ length: 40 }, () => makeRecord());
      for (const record of records) await store.insertUpload(record);
      const start = (record: UploadRecord) => store.transition(record.id, { status: 'pending' }, { status: 'processing', attempts: 1 });
      const oneTurn = await framesSince(async () => {
        const created = makeRecord({ owner: 'another' });
        const [fitted, ...started] = await Promise.all([store.insertUploadWithinCap(created, 10, new Date(0)), ...records.slice(0, 20).map(start)]);
        expect(fitted).toBe(true);
        expect(started.map((r) => r?.status)).toEqual(Array(20).fill('processing'));
      });
      const turnByTurn = await framesSince(async () => {
        for (const record of records.slice(20)) expect((await start(record))?.attempts).toBe(1);
      });
      // One commit rewrites each changed page once; twenty rewrite them twenty times.
      expect(oneTurn).toBeGreaterThan(0);
      expect(turnByTurn).toBeGreaterThanOrEqual(20);
      expect(oneTurn * 4).toBeLessThan(turnByTurn);
      for (const record of records) expect((await store.getUpload(record.id))?.status).toBe('processing');
    });
  });

  it('fails a compare-and-set that its own statement refuses alone; the rest of its turn is written', async () => {
    await withTwoConnections(async (store, other) => {
      const [refused, kept] = [makeRecord(), makeRecord()];
      await store.insertUpload(refused);
      await store.insertUpload(kept);
      other.exec(`create trigger refuse_one before update on uploads when old.id = '${refused.id}' begin select raise(abort, 'refused by a trigger'); end`);
      const created = makeRecord();
      const outcomes = await Promise.all([
        store.transition(refused.id, { status: 'pending' }, { status: 'processing' }).catch((e: unknown) => e),
        store.transition(kept.id, { status: 'pending' }, { status: 'processing' }),
        store.insertUploadWithinCap(created, 10, new Date(0)),
      ]);
      expect(outcomes[0]).toBeInstanceOf(Error);
      expect(String(outcomes[0])).toMatch(/refused by a trigger/);
      expect(outcomes[0]).not.toHaveProperty('code', 'service_unavailable');
      expect(outcomes[1]).toMatchObject({ id: kept.id, status: 'processing' });
      expect(outcomes[2]).toBe(true);
      expect(await store.getUpload(refused.id)).toEqual(refused);
      expect((await store.getUpload(kept.id))?.status).toBe('processing');
      expect(await store.getUpload(created.id)).toEqual(created);
    });
  });

  it('builds each kind of compare-and-set once, and binds every later one of that kind in order', async () => {
    const store = await openSqliteMetadataStore(':memory:');
    const build = vi.spyOn(Kysely.prototype, 'updateTable');
    try {
      const [a, b] = [makeRecord({ owner: 'a' }), makeRecord({ owner: 'b' })];
      await store.insertUpload(a);
      await store.insertUpload(b);
      const lease = new Date('2026-01-01T00:05:00.000Z');
      for (const record of [a, b]) {
        const started = await store.transition(record.id, { status: 'pending', owner: record.owner }, { status: 'processing', leaseUntil: lease, attempts: 1 });
        expect(started).toEqual({ ...record, status: 'processing', leaseUntil: lease, attempts: 1 });
      }
      // Another owner's expectation, with the same kind of statement, changes nothing.
      expect(await store.transition(a.id, { status: 'processing', owner: 'b' }, { status: 'rejected', rejectionCode: 'invalid_image', leaseUntil: null })).toBeNull();
      for (const record of [a, b]) {
        const rejected = await store.transition(record.id, { status: 'processing', owner: record.owner }, { status: 'rejected', rejectionCode: 'invalid_image', leaseUntil: null });
        expect(rejected).toEqual({ ...record, status: 'rejected', rejectionCode: 'invalid_image', attempts: 1 });
      }
      expect(build).toHaveBeenCalledTimes(2);
    } finally {
      build.mockRestore();
      await store.close();
    }
  });

  it('writes what a closing store still had queued before it closes', async () => {
    const store = await openSqliteMetadataStore(join(await tempDir(), 'metadata.db'));
    const record = makeRecord();
    const inserted = store.insertUploadWithinCap(record, 10, new Date(0));
    await store.close();
    expect(await inserted).toBe(true);
  });
});
