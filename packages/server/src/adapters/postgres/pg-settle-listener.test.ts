import { describe, expect, it } from 'vitest';
import { makeRecord } from '@direct-upload/core/testing';
import { toRow } from '../kysely/upload-row.js';
import type { UploadRow } from '../kysely/uploads-table.js';
import { parseSettledPayload, settledPayload } from './pg-settle-listener.js';

const rowOf = (record: ReturnType<typeof makeRecord>) => ({ ...toRow(record), attempts: record.attempts }) as UploadRow;

describe('settled notification payload', () => {
  it('carries the record when it fits', () => {
    const record = makeRecord({ status: 'ready', metadata: { album: 'été' }, completedAt: new Date('2026-01-01T00:00:00.000Z') });
    const payload = settledPayload(rowOf(record));
    expect(parseSettledPayload(payload)).toEqual({ id: record.id, record });
  });

  it('carries only the id when the record is too long for a notification', () => {
    const record = makeRecord({ status: 'ready', metadata: { note: 'x'.repeat(9000) } });
    const payload = settledPayload(rowOf(record));
    expect(payload).toBe(record.id);
    expect(parseSettledPayload(payload)).toEqual({ id: record.id, record: null });
  });

  it('ignores a payload it cannot read', () => {
    expect(parseSettledPayload('{not json')).toBeNull();
    expect(parseSettledPayload('{"x":1}')).toBeNull();
  });
});
