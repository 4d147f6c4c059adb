// LISTENs for uploads that left `processing` in any process sharing the database, and wakes local waiters.
import type { SettleWaiters, UploadRecord } from '@direct-upload/core';
import { fromRow } from '../kysely/upload-row.js';
import type { UploadRow } from '../kysely/uploads-table.js';
import { PgChannelListener } from './pg-channel-listener.js';

/** The notification channel; its payload is the upload's row as JSON, or only its id when that is too long. */
export const SETTLED_CHANNEL = 'direct_upload_settled';
/** PostgreSQL refuses payloads of 8000 bytes or more. */
const MAX_PAYLOAD_BYTES = 7900;

/** What the worker announces: the row, so the waiting API answers without reading it again. */
export function settledPayload(row: UploadRow): string {
  const json = JSON.stringify(row);
  return Buffer.byteLength(json) <= MAX_PAYLOAD_BYTES ? json : row.id;
}

/** The id and, when the payload carries it, the record. */
export function parseSettledPayload(payload: string): { id: string; record: UploadRecord | null } | null {
  if (!payload.startsWith('{')) return { id: payload, record: null };
  try {
    const row = JSON.parse(payload) as UploadRow;
    return typeof row.id === 'string' ? { id: row.id, record: fromRow(row) } : null;
  } catch {
    return null;
  }
}

/*
 * One connection per process, opened on the first wait (workers never wait, so never open it).
 * While it is down, waits end on their timeout and `complete` answers 202 as it would without
 * notifications. Whenever it (re)starts listening, or loses its connection, every waiter is woken
 * to read its record again: a change committed while nobody listened is then seen.
 */
export function listenForSettled(url: string, waiters: SettleWaiters<UploadRecord>, onError: (error: Error) => void = () => {}): PgChannelListener {
  return new PgChannelListener({
    url,
    channel: SETTLED_CHANNEL,
    onNotification: (payload) => {
      const settled = payload ? parseSettledPayload(payload) : null;
      if (settled) waiters.wake(settled.id, settled.record);
    },
    onListening: () => waiters.wakeAll(),
    onLost: () => waiters.wakeAll(),
    onError,
    // Opened again only while someone waits; the next wait opens it otherwise.
    wanted: () => waiters.size > 0,
  });
}
