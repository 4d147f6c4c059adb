// Kysely table types of the metadata database, shared by every SQL dialect (SQLite and PostgreSQL).
import type { ColumnType, Insertable, Selectable } from 'kysely';

/**
 * Integer milliseconds since the epoch: INTEGER on SQLite, BIGINT on PostgreSQL, whose drivers may
 * answer BIGINT as a string or a bigint; rows are read through `Number(...)`.
 */
type Millis = ColumnType<number | string | bigint, number, number>;
type NullableMillis = ColumnType<number | string | bigint | null, number | null, number | null>;

export interface UploadsTable {
  id: string;
  owner: string;
  status: string;
  filename: string;
  content_type: string;
  size: ColumnType<number | string | bigint, number, number>;
  checksum_sha256: string | null;
  visibility: string;
  /** JSON text of the string-to-string map. */
  metadata: string;
  incoming_key: string;
  storage_key: string | null;
  width: number | null;
  height: number | null;
  rejection_code: string | null;
  created_at: Millis;
  expires_at: Millis;
  lease_until: NullableMillis;
  completed_at: NullableMillis;
  attempts: ColumnType<number | string, number | undefined, number>;
  /** JSON text of the stored variants by name, or null. */
  variants: string | null;
  placeholder: string | null;
}

export interface Database {
  uploads: UploadsTable;
}

export type UploadRow = Selectable<UploadsTable>;
export type NewUploadRow = Insertable<UploadsTable>;

/** Every column of a new row with its portable SQL type, in table order: for hand-written hot statements. */
export const UPLOAD_COLUMNS = [
  ['id', 'text'],
  ['owner', 'text'],
  ['status', 'text'],
  ['filename', 'text'],
  ['content_type', 'text'],
  ['size', 'bigint'],
  ['checksum_sha256', 'text'],
  ['visibility', 'text'],
  ['metadata', 'text'],
  ['incoming_key', 'text'],
  ['storage_key', 'text'],
  ['width', 'integer'],
  ['height', 'integer'],
  ['rejection_code', 'text'],
  ['created_at', 'bigint'],
  ['expires_at', 'bigint'],
  ['lease_until', 'bigint'],
  ['completed_at', 'bigint'],
  ['attempts', 'integer'],
  ['variants', 'text'],
  ['placeholder', 'text'],
] as const satisfies ReadonlyArray<readonly [keyof NewUploadRow, 'text' | 'bigint' | 'integer']>;

/** The column names of UPLOAD_COLUMNS, comma-separated: an insert's column list. */
export const UPLOAD_COLUMN_LIST = UPLOAD_COLUMNS.map(([column]) => column).join(', ');

/** A new row's values in UPLOAD_COLUMNS order (absent ones as null), to bind by position. */
export function uploadRowValues(row: NewUploadRow): unknown[] {
  return UPLOAD_COLUMNS.map(([column]) => row[column] ?? null);
}

/** Fails to compile when a column of the table is missing from UPLOAD_COLUMNS (its insert would drop it). */
type MissingColumns = Exclude<keyof NewUploadRow, (typeof UPLOAD_COLUMNS)[number][0]>;
export const UPLOAD_COLUMNS_ARE_COMPLETE: [MissingColumns] extends [never] ? true : MissingColumns = true;
