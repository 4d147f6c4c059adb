// In-memory MetadataStore: a fake for tests of use cases, held to the same contract as the databases.
import type { Position } from '../domain/cursor.js';
import type { ExpectedState, RecordChanges, UploadRecord } from '../domain/upload.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import { leavesProcessing, SettleWaiters } from '../support/settle-waiters.js';

const clone = (record: UploadRecord): UploadRecord => structuredClone(record);

export class MemoryMetadataStore implements MetadataStore {
  private readonly records = new Map<string, UploadRecord>();
  private readonly waiters = new SettleWaiters<UploadRecord>();

  async insertUpload(record: UploadRecord): Promise<void> {
    if (this.records.has(record.id)) throw new Error(`upload ${record.id} exists`);
    this.records.set(record.id, clone(record));
  }

  async getUpload(id: string): Promise<UploadRecord | null> {
    const record = this.records.get(id);
    return record ? clone(record) : null;
  }

  async insertUploadWithinCap(record: UploadRecord, maxPending: number, now: Date): Promise<boolean> {
    let count = 0;
    for (const r of this.records.values()) {
      if (r.owner === record.owner && (r.status === 'pending' || r.status === 'processing') && r.expiresAt > now) count += 1;
    }
    if (count >= maxPending) return false;
    await this.insertUpload(record);
    return true;
  }

  async transition(id: string, expected: ExpectedState, changes: RecordChanges): Promise<UploadRecord | null> {
    const record = this.records.get(id);
    if (!record || record.status !== expected.status) return null;
    if (expected.leaseEndedBefore && !(record.leaseUntil && record.leaseUntil < expected.leaseEndedBefore)) return null;
    if (expected.attempts !== undefined && record.attempts !== expected.attempts) return null;
    if (expected.owner !== undefined && record.owner !== expected.owner) return null;
    if (expected.expiresAfter && !(record.expiresAt > expected.expiresAfter)) return null;
    Object.assign(record, changes);
    if (leavesProcessing(expected.status, changes.status)) this.waiters.wake(id, clone(record));
    return clone(record);
  }

  async waitForSettled(id: string, timeoutMs: number, signal?: AbortSignal): Promise<UploadRecord | null> {
    return this.waiters.wait(id, timeoutMs, signal);
  }

  async listReady(owner: string, options: { limit: number; after?: Position }): Promise<UploadRecord[]> {
    const after = options.after;
    return [...this.records.values()]
      .filter((r) => r.owner === owner && r.status === 'ready' && r.completedAt)
      .filter((r) => !after || isBefore(r, after))
      .sort((a, b) => (isBefore(a, position(b)) ? 1 : -1))
      .slice(0, options.limit)
      .map(clone);
  }

  async listExpired(now: Date, limit: number): Promise<UploadRecord[]> {
    return [...this.records.values()]
      .filter((r) => r.status === 'pending' && r.expiresAt < now)
      .sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime())
      .slice(0, limit)
      .map(clone);
  }

  async listStalledProcessing(now: Date, limit: number): Promise<UploadRecord[]> {
    return [...this.records.values()]
      .filter((r) => r.status === 'processing' && (r.leaseUntil === null || r.leaseUntil < now))
      .sort((a, b) => (a.leaseUntil?.getTime() ?? 0) - (b.leaseUntil?.getTime() ?? 0))
      .slice(0, limit)
      .map(clone);
  }

  async listDeleted(limit: number): Promise<UploadRecord[]> {
    return [...this.records.values()].filter((r) => r.status === 'deleted').slice(0, limit).map(clone);
  }

  async remove(id: string): Promise<void> {
    this.records.delete(id);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.waiters.wakeAll();
  }
}

const position = (r: UploadRecord): Position => ({ completedAt: r.completedAt!, id: r.id });

/** True when `r` sorts after `p` in newest-first order. */
function isBefore(r: UploadRecord, p: Position): boolean {
  const t = r.completedAt!.getTime();
  const pt = p.completedAt.getTime();
  return t < pt || (t === pt && r.id < p.id);
}
