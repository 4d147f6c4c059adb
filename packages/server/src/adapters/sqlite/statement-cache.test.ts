import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StatementCache } from './statement-cache.js';

const open: BetterSqlite3.Database[] = [];
function connection(): BetterSqlite3.Database {
  const db = new BetterSqlite3(':memory:');
  open.push(db);
  db.exec('create table t (id integer primary key, name text not null)');
  db.exec("insert into t (name) values ('a'), ('b'), ('c')");
  return db;
}

afterEach(() => {
  for (const db of open.splice(0)) if (db.open) db.close();
});

describe('StatementCache', () => {
  it('compiles each distinct statement once and hands the same one back', () => {
    const db = connection();
    const prepare = vi.spyOn(db, 'prepare');
    const cache = new StatementCache(db);
    const first = cache.prepare('select name from t where id = ?');
    expect(cache.prepare('select name from t where id = ?')).toBe(first);
    expect(cache.prepare('select id from t where name = ?')).not.toBe(first);
    expect(prepare).toHaveBeenCalledTimes(2);
    expect(cache.size).toBe(2);
    expect(first.all([2])).toEqual([{ name: 'b' }]);
    expect(cache.prepare('select name from t where id = ?').all([3])).toEqual([{ name: 'c' }]);
  });

  it('gives a statement still being iterated to nobody else', () => {
    const cache = new StatementCache(connection());
    const text = 'select name from t order by id';
    const iterating = cache.prepare(text).iterate([]);
    expect(iterating.next().value).toEqual({ name: 'a' });
    const other = cache.prepare(text);
    expect(other.all([])).toEqual([{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
    expect([...iterating]).toEqual([{ name: 'b' }, { name: 'c' }]);
    // Once the iteration is over the kept statement serves again.
    const again = cache.prepare(text);
    expect(again).not.toBe(other);
    expect(again.all([])).toHaveLength(3);
    expect(cache.size).toBe(1);
  });

  it('keeps at most its limit, dropping the statement used longest ago', () => {
    const db = connection();
    const cache = new StatementCache(db, 2);
    const one = cache.prepare('select 1');
    const two = cache.prepare('select 2');
    expect(cache.prepare('select 1')).toBe(one);
    cache.prepare('select 3');
    expect(cache.size).toBe(2);
    expect(cache.prepare('select 1')).toBe(one);
    expect(cache.prepare('select 2')).not.toBe(two);
  });

  it('answers for the schema as it is now, after a change made through another statement', async () => {
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new StatementCache(connection()) }) });
    const all = () => db.selectFrom('t').selectAll().where('id', '=', 1).execute();
    expect(await all()).toEqual([{ id: 1, name: 'a' }]);
    await sql`alter table t add column size integer not null default 7`.execute(db);
    expect(await all()).toEqual([{ id: 1, name: 'a', size: 7 }]);
    await sql`drop table t`.execute(db);
    await expect(all()).rejects.toThrow(/no such table/);
    await db.destroy();
  });

  it('runs writes and transactions through Kysely as the plain connection does', async () => {
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new StatementCache(connection()) }) });
    for (let i = 0; i < 3; i++) {
      const result = await db.updateTable('t').set({ name: `x${i}` }).where('id', '=', 2).executeTakeFirst();
      expect(result.numUpdatedRows).toBe(1n);
    }
    await expect(
      db.transaction().execute(async (tx) => {
        await tx.insertInto('t').values({ name: 'd' }).execute();
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    await db.transaction().execute((tx) => tx.insertInto('t').values({ name: 'e' }).execute());
    expect(await db.selectFrom('t').select('name').orderBy('id').execute()).toEqual([{ name: 'a' }, { name: 'x2' }, { name: 'c' }, { name: 'e' }]);
    await db.destroy();
  });

  it('closes the connection it wraps', () => {
    const db = connection();
    const cache = new StatementCache(db);
    cache.prepare('select 1');
    cache.close();
    expect(db.open).toBe(false);
    expect(cache.size).toBe(0);
  });
});
