import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { announcedInsert, JOBS_CHANNEL } from './job-announcement.js';

// pg-boss's own statement for `send`, as this installed version builds it.
const plans = createRequire(import.meta.url)('pg-boss/src/plans.js') as { insertJob: (schema: string) => string };

describe('announcedInsert', () => {
  it("announces pg-boss's job insert from the same statement, with two parameters of its own", () => {
    const sql = plans.insertJob('pgboss');
    const values = Array.from({ length: 19 }, (_, i) => i);
    const announced = announcedInsert(sql, values, 'pgboss.direct-upload-process');
    expect(announced.sql).toBe(`with queued as (${sql}) select queued.id, pg_notify($20, $21) from queued`);
    expect(announced.values).toEqual([...values, JOBS_CHANNEL, 'pgboss.direct-upload-process']);
  });

  it('runs any other statement unchanged', () => {
    for (const sql of ['select 1', 'insert into t (a) values ($1)', 'update job set state = $1 returning id', 'with x as (select 1) insert into t select * from x returning id, name']) {
      expect(announcedInsert(sql, [1], 'pgboss.q')).toEqual({ sql, values: [1] });
    }
  });
});
