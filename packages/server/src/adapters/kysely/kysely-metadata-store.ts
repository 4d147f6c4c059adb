// MetadataStore over Kysely with portable SQL; a dialect adapter supplies the connection and error rules.
import { sql, type Kysely, type Transaction } from 'kysely';
import {
  unavailable,
  type ExpectedState,
  type MetadataStore,
  type Position,
  type RecordChanges,
  type UploadRecord,
} from '@direct-upload/core';
import { fromRow, toChangedColumns, toRow } from './upload-row.js';
import type { Database } from './uploads-table.js';

/** How a driver's errors are told apart; the only driver-specific knowledge the store needs. */
export interface DriverErrors {
  /** The database is unreachable, locked, full or broken: callers should answer 503 and retry later. */
  isUnavailable(error: unknown): boolean;
  /** A primary-key violation. */
  isDuplicateKey(error: unknown): boolean;
}

/**
 * Serializes transactions of one owner inside `insertUploadWithinCap`. A store whose transactions
 * are already serialized (one SQLite connection) needs none; PostgreSQL takes an advisory lock.
 */
export type OwnerLock = (trx: Transaction<Database>, owner: string) => Promise<void>;

const UNFINISHED = ['pending', 'processing'] as const;

export class KyselyMetadataStore implements MetadataStore {
  private closed = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly errors: DriverErrors,
    private readonly lockOwner: OwnerLock = async () => {},
  ) {}

  async insertUpload(record: UploadRecord): Promise<void> {
    try {
      await this.run(() => this.db.insertInto('uploads').values(toRow(record)).execute());
    } catch (error) {
      if (this.errors.isDuplicateKey(error)) throw new Error(`upload ${record.id} exists`, { cause: error });
      throw error;
    }
  }

  async getUpload(id: string): Promise<UploadRecord | null> {
    const row = await this.run(() => this.db.selectFrom('uploads').selectAll().where('id', '=', id).executeTakeFirst());
    return row ? fromRow(row) : null;
  }

  async insertUploadWithinCap(record: UploadRecord, maxPending: number, now: Date): Promise<boolean> {
    try {
      return await this.run(() =>
        this.db.transaction().execute(async (trx) => {
          await this.lockOwner(trx, record.owner);
          const { count } = await trx
            .selectFrom('uploads')
            .select((eb) => eb.fn.countAll().as('count'))
            .where('owner', '=', record.owner)
            .where('status', 'in', UNFINISHED)
            .where('expires_at', '>', now.getTime())
            .executeTakeFirstOrThrow();
          if (Number(count) >= maxPending) return false;
          await trx.insertInto('uploads').values(toRow(record)).execute();
          return true;
        }),
      );
    } catch (error) {
      if (this.errors.isDuplicateKey(error)) throw new Error(`upload ${record.id} exists`, { cause: error });
      throw error;
    }
  }

  async transition(id: string, expected: ExpectedState, changes: RecordChanges): Promise<UploadRecord | null> {
    // With nothing to change, rewriting the expected status keeps this one compare-and-set statement.
    const columns = toChangedColumns(changes);
    const set = Object.keys(columns).length > 0 ? columns : { status: expected.status };
    const row = await this.run(() => {
      let query = this.db.updateTable('uploads').set(set).where('id', '=', id).where('status', '=', expected.status);
      if (expected.leaseEndedBefore) query = query.where('lease_until', '<', expected.leaseEndedBefore.getTime());
      if (expected.attempts !== undefined) query = query.where('attempts', '=', expected.attempts);
      return query.returningAll().executeTakeFirst();
    });
    return row ? fromRow(row) : null;
  }

  async listReady(owner: string, options: { limit: number; after?: Position }): Promise<UploadRecord[]> {
    const { after } = options;
    const rows = await this.run(() => {
      let query = this.db
        .selectFrom('uploads')
        .selectAll()
        .where('owner', '=', owner)
        .where('status', '=', 'ready')
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
    await this.db.destroy();
  }

  /** Runs a query, turning an unusable database (or a closed store) into a 503 the caller can retry. */
  private async run<T>(query: () => Promise<T>): Promise<T> {
    if (this.closed) throw unavailable('database', new Error('the metadata store is closed'));
    try {
      return await query();
    } catch (error) {
      if (this.errors.isUnavailable(error)) throw unavailable('database', error);
      throw error;
    }
  }
}
