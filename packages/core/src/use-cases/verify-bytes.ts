// Checks the stored bytes of an upload against what was declared and signed, before any decoding.
import { SNIFF_BYTES, sniffImageType } from '../domain/image-types.js';
import type { UploadRecord } from '../domain/upload.js';
import { DomainError, isDomainError } from '../errors.js';
import type { ObjectBytes, Storage } from '../ports/storage.js';
import { sha256Base64, type Sha256Base64 } from './sha256.js';

/**
 * The verified bytes; DomainError `not_uploaded` when absent, a 422 code when they differ. One read
 * answers the bytes with their stored size and type (no `HEAD` first); it buffers at most the
 * declared size, so a larger object is refused without being read.
 */
export async function readVerifiedBytes(
  deps: { storage: Storage; sha256?: Sha256Base64 },
  record: UploadRecord,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  const sha256 = deps.sha256 ?? sha256Base64;
  let stored: ObjectBytes | null;
  try {
    stored = await deps.storage.read(record.incomingKey, { maxBytes: record.size, signal });
  } catch (error) {
    if (isDomainError(error) && error.code === 'file_too_large') {
      throw new DomainError('size_mismatch', `Stored more than the ${record.size} bytes declared.`);
    }
    throw error;
  }
  if (!stored) throw new DomainError('not_uploaded');
  const { bytes } = stored;
  if (bytes.byteLength !== record.size) {
    throw new DomainError('size_mismatch', `Stored ${bytes.byteLength} bytes, declared ${record.size}.`);
  }
  if (normalizeType(stored.contentType) !== record.contentType) {
    throw new DomainError('type_mismatch', `Stored as "${stored.contentType ?? 'unknown'}", declared "${record.contentType}".`);
  }
  if (record.checksumSha256 && (await sha256(bytes)) !== record.checksumSha256) {
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
