// MetadataStore over Kysely with portable SQL; a dialect adapter supplies the connection and error rules.
import { CompiledQuery, sql, type Kysely } from 'kysely';
import {
  leavesProcessing,
  SettleWaiters,
  unavailable,
  type ExpectedState,
  type MetadataStore,
  type Position,
  type RecordChanges,
  type UploadRecord,
} from '@direct-upload/core';
import { fromRow, toChangedColumns, toRow } from './upload-row.js';
import type { Database, UploadRow } from './uploads-table.js';

/** How a driver's errors are told apart; the only driver-specific knowledge the store needs. */
export interface DriverErrors {
  /** The database is unreachable, locked, full or broken: callers should answer 503 and retry later. */
  isUnavailable(error: unknown): boolean;
  /** A primary-key violation. */
  isDuplicateKey(error: unknown): boolean;
}

/** One condition of a compare-and-set: column, operator, value. */
type Condition = [column: 'id' | 'status' | 'lease_until' | 'attempts' | 'owner' | 'expires_at', op: '=' | '<' | '>', value: string | number];

const sameValues = (a: readonly unknown[], b: readonly unknown[]) => a.length === b.length && a.every((value, i) => Object.is(value, b[i]));

/**
 * The portable part of the store. The capped insert is each dialect's own: it needs the dialect's
 * way of serializing one owner's inserts (a single SQLite connection; a PostgreSQL advisory lock).
 */
export abstract class KyselyMetadataStore implements MetadataStore {
  protected closed = false;
  /** Callers of this process waiting in waitForSettled. */
  protected readonly waiters = new SettleWaiters<UploadRecord>();
  /** The lookup by id, built once: it runs on every `complete` and every image read. */
  private readonly selectById: string;
  /** Compare-and-set statements by the columns they change and the conditions they check. */
  private readonly compareAndSetSql = new Map<string, string>();

  constructor(
    protected readonly db: Kysely<Database>,
    protected readonly errors: DriverErrors,
  ) {
    this.selectById = db.selectFrom('uploads').selectAll().where('id', '=', '').compile().sql;
  }

  abstract insertUploadWithinCap(record: UploadRecord, maxPending: number, now: Date): Promise<boolean>;

  async insertUpload(record: UploadRecord): Promise<void> {
    try {
      await this.run(() => this.db.insertInto('uploads').values(toRow(record)).execute());
    } catch (error) {
      throw this.insertFailure(record.id, error);
    }
  }

  /** What an insert's failure becomes: a duplicate id says so (never a 503 to retry); others pass through. */
  protected insertFailure(id: string, error: unknown): unknown {
    return this.errors.isDuplicateKey(error) ? new Error(`upload ${id} exists`, { cause: error }) : error;
  }

  async getUpload(id: string): Promise<UploadRecord | null> {
    const { rows } = await this.run(() => this.db.executeQuery<UploadRow>(CompiledQuery.raw(this.selectById, [id])));
    return rows[0] ? fromRow(rows[0]) : null;
  }

  async transition(id: string, expected: ExpectedState, changes: RecordChanges): Promise<UploadRecord | null> {
    const row = await this.run(() => this.compareAndSet(this.compareAndSetQuery(id, expected, changes)));
    if (!row) return null;
    const record = fromRow(row);
    if (leavesProcessing(expected.status, changes.status)) await this.announceSettled(row, record);
    return record;
  }

  /**
   * The one statement of a transition: the update if the record is as expected, answering the row as
   * it became. Its SQL depends only on which columns change and which conditions apply (a handful of
   * combinations), so each combination is compiled once; building and compiling it cost a `complete`
   * more than running it on SQLite.
   */
  protected compareAndSetQuery(id: string, expected: ExpectedState, changes: RecordChanges): CompiledQuery<UploadRow> {
    // With nothing to change, rewriting the expected status keeps this one compare-and-set statement.
    const columns = toChangedColumns(changes);
    const set = Object.keys(columns).length > 0 ? columns : { status: expected.status };
    const conditions: Condition[] = [['id', '=', id], ['status', '=', expected.status]];
    if (expected.leaseEndedBefore) conditions.push(['lease_until', '<', expected.leaseEndedBefore.getTime()]);
    if (expected.attempts !== undefined) conditions.push(['attempts', '=', expected.attempts]);
    if (expected.owner !== undefined) conditions.push(['owner', '=', expected.owner]);
    if (expected.expiresAfter) conditions.push(['expires_at', '>', expected.expiresAfter.getTime()]);
    const shape = `${Object.keys(set).join(',')} where ${conditions.map(([column, op]) => column + op).join(',')}`;
    const parameters = [...Object.values(set), ...conditions.map(([, , value]) => value)];
    const known = this.compareAndSetSql.get(shape);
    if (known !== undefined) return CompiledQuery.raw(known, parameters) as CompiledQuery<UploadRow>;
    let query = this.db.updateTable('uploads').set(set);
    for (const [column, op, value] of conditions) query = query.where(column, op, value);
    const compiled = query.returningAll().compile();
    // Kept only when Kysely bound the values in the order the reuse above gives them.
    if (sameValues(compiled.parameters, parameters)) this.compareAndSetSql.set(shape, compiled.sql);
    return compiled;
  }

  /** Runs a compare-and-set statement; a dialect may run it with others (SQLite: in the turn's write transaction). */
  protected async compareAndSet(query: CompiledQuery<UploadRow>): Promise<UploadRow | undefined> {
    return (await this.db.executeQuery(query)).rows[0];
  }

  async waitForSettled(id: string, timeoutMs: number, signal?: AbortSignal): Promise<UploadRecord | null> {
    if (this.closed) return null;
    return this.waiters.wait(id, timeoutMs, signal);
  }

  /** Tells waiters that an upload left processing: those of this process here; a shared database's store tells the others too. */
  protected async announceSettled(_row: UploadRow, record: UploadRecord): Promise<void> {
    this.waiters.wake(record.id, record);
  }

  async listReady(owner: string, options: { limit: number; after?: Position }): Promise<UploadRecord[]> {
    const { after } = options;
    const rows = await this.run(() => {
      let query = this.db
        .selectFrom('uploads')
        .selectAll()
        .where('owner', '=', owner)
        // A literal, as in the partial index's own predicate (migration 0004), so the planner uses it.
        .where('status', '=', sql.lit('ready'))
        .where('completed_at', 'is not', null);
      if (after) {
        const t = after.completedAt.getTime();
        query = query.where((eb) =>
          eb.or([eb('completed_at', '<', t), eb.and([eb('completed_at', '=', t), eb('id', '<', after.id)])]),
        );
      }
      return query.orderBy('completed_at', 'desc').orderBy('id', 'desc').limit(options.limit).execute();
    });
    return rows.map(fromRow);
  }

  async listExpired(now: Date, limit: number): Promise<UploadRecord[]> {
    const rows = await this.run(() =>
      this.db
        .selectFrom('uploads')
        .selectAll()
        .where('status', '=', 'pending')
        .where('expires_at', '<', now.getTime())
        .orderBy('expires_at', 'asc')
        .limit(limit)
        .execute(),
    );
    return rows.map(fromRow);
  }

  async listStalledProcessing(now: Date, limit: number): Promise<UploadRecord[]> {
    const rows = await this.run(() =>
      this.db
        .selectFrom('uploads')
        .selectAll()
        .where('status', '=', 'processing')
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now.getTime())]))
        .orderBy('lease_until', 'asc')
        .limit(limit)
        .execute(),
    );
    return rows.map(fromRow);
  }

  async listDeleted(limit: number): Promise<UploadRecord[]> {
    const rows = await this.run(() =>
      this.db.selectFrom('uploads').selectAll().where('status', '=', 'deleted').orderBy('expires_at', 'asc').limit(limit).execute(),
    );
    return rows.map(fromRow);
  }

  async remove(id: string): Promise<void> {
    await this.run(() => this.db.deleteFrom('uploads').where('id', '=', id).execute());
  }

  async ping(): Promise<void> {
    await this.run(() => sql`select 1`.execute(this.db));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.waiters.wakeAll();
    await this.db.destroy();
  }

  /** Runs a query, turning an unusable database (or a closed store) into a 503 the caller can retry. */
  protected async run<T>(query: () => Promise<T>): Promise<T> {
    if (this.closed) throw unavailable('database', new Error('the metadata store is closed'));
    try {
      return await query();
    } catch (error) {
      if (this.errors.isUnavailable(error)) throw unavailable('database', error);
      throw error;
    }
  }
}
