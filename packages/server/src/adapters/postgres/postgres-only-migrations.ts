// Schema objects only PostgreSQL has: the locked count behind the one-round-trip capped insert.
import { sql, type Kysely, type Migration } from 'kysely';

/** First half of the two-integer advisory lock key of owners, keeping them apart from other advisory locks. */
const OWNER_LOCK_CLASS = 0x6475; // "du"

export const PENDING_COUNT_FUNCTION = 'du_locked_pending_count';

/*
 * The capped insert must count the owner's unfinished uploads after taking the owner's lock, and
 * insert before releasing it. As one INSERT ... SELECT ... WHERE <count> < cap, the count would see
 * the snapshot taken when the statement started, before the lock was granted. A VOLATILE function
 * takes a fresh snapshot for each of its own statements, after the lock: one round trip, no race.
 */
export const postgresMigrations: Record<string, Migration> = {
  '0003_postgres_locked_pending_count': {
    async up(db: Kysely<any>) {
      await sql`
        create function ${sql.raw(PENDING_COUNT_FUNCTION)}(p_owner text, p_now bigint, p_limit bigint) returns bigint
        language plpgsql volatile as $$
        begin
          -- Held until the calling transaction ends, so the insert that follows is covered too.
          perform pg_advisory_xact_lock(${sql.raw(String(OWNER_LOCK_CLASS))}, hashtext(p_owner));
          return (
            select count(*) from (
              select 1 from uploads
              where owner = p_owner and status in ('pending', 'processing') and expires_at > p_now
              limit p_limit
            ) as unfinished
          );
        end
        $$`.execute(db);
    },
    async down(db: Kysely<any>) {
      await sql`drop function ${sql.raw(PENDING_COUNT_FUNCTION)}(text, bigint, bigint)`.execute(db);
    },
  },
};
