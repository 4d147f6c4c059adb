// Announces a queued pg-boss job on a PostgreSQL channel from the statement that inserts it, so idle workers fetch at once.
import type PgBoss from 'pg-boss';

/** Workers of every queue listen here; the payload names the queue (schema.queue). */
export const JOBS_CHANNEL = 'direct_upload_jobs';

/** pg-boss's single-job insert: one INSERT that returns the new job's id (nothing when a singleton is already queued). */
const INSERT_RETURNING_ID = /^\s*insert\s[\s\S]*\sreturning\s+id\s*$/i;

/**
 * The same statement, also announcing each job it inserted: `pg_notify` runs in the insert's own
 * statement (no extra round trip) and PostgreSQL delivers it only once the job is committed, so a
 * woken worker finds it. A statement of another shape (a pg-boss that builds its insert otherwise)
 * runs unchanged: workers then find the job by polling, as without announcements.
 */
export function announcedInsert(sql: string, values: unknown[], announcement: string): { sql: string; values: unknown[] } {
  if (!INSERT_RETURNING_ID.test(sql)) return { sql, values };
  const channel = values.length + 1;
  return {
    sql: `with queued as (${sql}) select queued.id, pg_notify($${channel}, $${channel + 1}) from queued`,
    values: [...values, JOBS_CHANNEL, announcement],
  };
}

/** pg-boss's own connection pool, running its job insert with the announcement added. */
export function announcingDb(boss: PgBoss, announcement: string): PgBoss.Db {
  const db = boss.getDb();
  return {
    executeSql: (sql, values) => {
      const announced = announcedInsert(sql, values, announcement);
      return db.executeSql(announced.sql, announced.values);
    },
  };
}
