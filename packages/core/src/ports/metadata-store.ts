// MetadataStore port: upload records, with compare-and-set state changes.
import type { Position } from '../domain/cursor.js';
import type { ExpectedState, RecordChanges, UploadRecord } from '../domain/upload.js';

export interface MetadataStore {
  /** Throws when the id exists already. */
  insertUpload(record: UploadRecord): Promise<void>;
  /**
   * Inserts the record only while its owner has fewer than `maxPending` uploads still `pending` or
   * `processing` and unexpired at `now`; answers false otherwise. Atomic: concurrent calls, from any
   * number of processes sharing the store, never exceed the cap.
   */
  insertUploadWithinCap(record: UploadRecord, maxPending: number, now: Date): Promise<boolean>;
  getUpload(id: string): Promise<UploadRecord | null>;
  /**
   * Applies the changes only if the record is in the expected state; returns the updated record,
   * or null when another caller changed it first (or it does not exist).
   */
  transition(id: string, expected: ExpectedState, changes: RecordChanges): Promise<UploadRecord | null>;
  /** The owner's `ready` records, newest `completedAt` first (ties by id, descending), after a position. */
  listReady(owner: string, options: { limit: number; after?: Position }): Promise<UploadRecord[]>;
  /** `pending` records whose expiry is before `now`, oldest first. */
  listExpired(now: Date, limit: number): Promise<UploadRecord[]>;
  /** `processing` records whose lease ended before `now` (a crashed or backed-off attempt), oldest lease first. */
  listStalledProcessing(now: Date, limit: number): Promise<UploadRecord[]>;
  /** `deleted` tombstones whose bytes may still need removing. */
  listDeleted(limit: number): Promise<UploadRecord[]>;
  /**
   * Resolves once upload `id` may have left `processing`, with the record as it became when the
   * store knows it (else null: read it), after `timeoutMs` or when `signal` aborts (null); never
   * rejects. A wake is a hint, never late but possibly early. Registered before it returns, so a
   * change committed after the call wakes it; changes made by other processes arrive through the
   * database's notifications where it has them (a lost one only costs the wait).
   */
  waitForSettled(id: string, timeoutMs: number, signal?: AbortSignal): Promise<UploadRecord | null>;
  /** Removes a record for good. */
  remove(id: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
