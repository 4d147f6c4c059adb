// Checks the stored bytes of an upload against what was declared and signed, before any decoding.
import { SNIFF_BYTES, sniffImageType } from '../domain/image-types.js';
import type { UploadRecord } from '../domain/upload.js';
import { DomainError } from '../errors.js';
import type { Storage } from '../ports/storage.js';
import { sha256Base64 } from './sha256.js';

/** The verified bytes; DomainError `not_uploaded` when absent, a 422 code when they differ. */
export async function readVerifiedBytes(storage: Storage, record: UploadRecord, signal?: AbortSignal): Promise<Uint8Array> {
  const head = await storage.head(record.incomingKey, { signal });
  if (!head) throw new DomainError('not_uploaded');
  if (head.size !== record.size) {
    throw new DomainError('size_mismatch', `Stored ${head.size} bytes, declared ${record.size}.`);
  }
  if (normalizeType(head.contentType) !== record.contentType) {
    throw new DomainError('type_mismatch', `Stored as "${head.contentType ?? 'unknown'}", declared "${record.contentType}".`);
  }
  const bytes = await storage.read(record.incomingKey, { maxBytes: record.size, signal });
  if (!bytes) throw new DomainError('not_uploaded');
  if (bytes.byteLength !== record.size) throw new DomainError('size_mismatch');
  if (record.checksumSha256 && (await sha256Base64(bytes)) !== record.checksumSha256) {
    throw new DomainError('checksum_mismatch');
  }
  const sniffed = sniffImageType(bytes.subarray(0, SNIFF_BYTES));
  if (sniffed !== record.contentType) {
    throw new DomainError('type_mismatch', `The bytes are ${sniffed ?? 'not an accepted image type'}, declared "${record.contentType}".`);
  }
  return bytes;
}

function normalizeType(value: string | undefined): string | undefined {
  return value?.split(';')[0]?.trim().toLowerCase();
}
