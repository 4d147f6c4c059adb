// Mapping between upload records and rows of the `uploads` table.
import type { ImageType, RecordChanges, RecordStatus, StoredVariant, UploadRecord } from '@direct-upload/core';
import type { ErrorCode, Metadata, Visibility } from '@direct-upload/protocol';
import type { Updateable } from 'kysely';
import type { NewUploadRow, UploadRow, UploadsTable } from './uploads-table.js';

const millis = (date: Date): number => date.getTime();
const optionalMillis = (date: Date | null): number | null => (date ? date.getTime() : null);
const toDate = (value: number | string | bigint): Date => new Date(Number(value));
const toOptionalDate = (value: number | string | bigint | null): Date | null => (value === null ? null : toDate(value));

export function toRow(record: UploadRecord): NewUploadRow {
  return {
    id: record.id,
    owner: record.owner,
    status: record.status,
    filename: record.filename,
    content_type: record.contentType,
    size: record.size,
    checksum_sha256: record.checksumSha256,
    visibility: record.visibility,
    metadata: JSON.stringify(record.metadata),
    incoming_key: record.incomingKey,
    storage_key: record.storageKey,
    width: record.width,
    height: record.height,
    rejection_code: record.rejectionCode,
    created_at: millis(record.createdAt),
    expires_at: millis(record.expiresAt),
    lease_until: optionalMillis(record.leaseUntil),
    completed_at: optionalMillis(record.completedAt),
    attempts: record.attempts,
    variants: record.variants ? JSON.stringify(record.variants) : null,
    placeholder: record.placeholder,
  };
}

export function fromRow(row: UploadRow): UploadRecord {
  return {
    id: row.id,
    owner: row.owner,
    status: row.status as RecordStatus,
    filename: row.filename,
    contentType: row.content_type as ImageType,
    size: Number(row.size),
    checksumSha256: row.checksum_sha256,
    visibility: row.visibility as Visibility,
    metadata: JSON.parse(row.metadata) as Metadata,
    incomingKey: row.incoming_key,
    storageKey: row.storage_key,
    width: row.width === null ? null : Number(row.width),
    height: row.height === null ? null : Number(row.height),
    rejectionCode: row.rejection_code as ErrorCode | null,
    createdAt: toDate(row.created_at),
    expiresAt: toDate(row.expires_at),
    leaseUntil: toOptionalDate(row.lease_until),
    completedAt: toOptionalDate(row.completed_at),
    attempts: Number(row.attempts),
    variants: row.variants === null ? null : (JSON.parse(row.variants) as Record<string, StoredVariant>),
    placeholder: row.placeholder,
  };
}

/** The column updates for the given changes; fields left undefined are not touched. */
export function toChangedColumns(changes: RecordChanges): Updateable<UploadsTable> {
  const columns: Updateable<UploadsTable> = {};
  if (changes.status !== undefined) columns.status = changes.status;
  if (changes.storageKey !== undefined) columns.storage_key = changes.storageKey;
  if (changes.width !== undefined) columns.width = changes.width;
  if (changes.height !== undefined) columns.height = changes.height;
  if (changes.rejectionCode !== undefined) columns.rejection_code = changes.rejectionCode;
  if (changes.leaseUntil !== undefined) columns.lease_until = optionalMillis(changes.leaseUntil);
  if (changes.completedAt !== undefined) columns.completed_at = optionalMillis(changes.completedAt);
  if (changes.attempts !== undefined) columns.attempts = changes.attempts;
  if (changes.variants !== undefined) columns.variants = changes.variants ? JSON.stringify(changes.variants) : null;
  if (changes.placeholder !== undefined) columns.placeholder = changes.placeholder;
  return columns;
}
