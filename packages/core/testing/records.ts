// Builds upload records for tests.
import { randomUUID } from 'node:crypto';
import type { UploadRecord } from '../src/index.js';

export function makeRecord(overrides: Partial<UploadRecord> = {}): UploadRecord {
  const id = overrides.id ?? randomUUID();
  const owner = overrides.owner ?? 'owner-1';
  return {
    id,
    owner,
    status: 'pending',
    filename: 'photo.png',
    contentType: 'image/png',
    size: 100,
    checksumSha256: null,
    visibility: 'public',
    metadata: {},
    incomingKey: `incoming/${owner}/${id}`,
    storageKey: null,
    width: null,
    height: null,
    rejectionCode: null,
    createdAt: new Date('2026-01-01T00:00:00.000Z'),
    expiresAt: new Date('2026-01-01T00:20:00.000Z'),
    leaseUntil: null,
    completedAt: null,
    attempts: 0,
    variants: null,
    placeholder: null,
    ...overrides,
  };
}
