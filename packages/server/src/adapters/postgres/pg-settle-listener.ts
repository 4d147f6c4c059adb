// LISTENs for uploads that left `processing` in any process sharing the database, and wakes local waiters.
import pg from 'pg';
import type { SettleWaiters, UploadRecord } from '@direct-upload/core';
import { fromRow } from '../kysely/upload-row.js';
import type { UploadRow } from '../kysely/uploads-table.js';

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

const CONNECT_TIMEOUT_MS = 3000;
/** A lost listening connection is opened again at most this often. */
const RECONNECT_DELAY_MS = 1000;

/*
 * One connection per process, opened on the first wait (workers never wait, so never open it).
 * While it is down, waits end on their timeout and `complete` answers 202 as it would without
 * notifications. Whenever it (re)starts listening, every waiter is woken to read its record again:
 * a change committed while nobody listened is then seen.
 */
export class PgSettleListener {
  private client: pg.Client | null = null;
  private connecting = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private lastAttempt = 0;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly waiters: SettleWaiters<UploadRecord>,
    private readonly onError: (error: Error) => void = () => {},
  ) {}

  /** Starts listening unless it does, or will shortly (after a failure, at most once a second). */
  ensure(): void {
    if (this.closed || this.client || this.connecting || this.retryTimer) return;
    const wait = this.lastAttempt + RECONNECT_DELAY_MS - Date.now();
    if (wait > 0) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        if (this.waiters.size > 0) this.ensure();
      }, wait);
      this.retryTimer.unref();
      return;
    }
    void this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    this.connecting = true;
    this.lastAttempt = Date.now();
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true });
    const lost = (error?: Error) => {
      if (error) this.onError(error);
      if (this.client !== client) return;
      this.client = null;
      // Waiters re-read now rather than wait out their time; the next wait listens again.
      this.waiters.wakeAll();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (message) => {
      const settled = message.channel === SETTLED_CHANNEL && message.payload ? parseSettledPayload(message.payload) : null;
      if (settled) this.waiters.wake(settled.id, settled.record);
    });
    try {
      await client.connect();
      await client.query(`listen ${SETTLED_CHANNEL}`);
      if (this.closed) {
        await client.end().catch(() => undefined);
        return;
      }
      this.client = client;
      this.waiters.wakeAll();
    } catch (error) {
      this.onError(error as Error);
      await client.end().catch(() => undefined);
      if (this.waiters.size > 0) this.ensure();
    } finally {
      this.connecting = false;
    }
  }
}
