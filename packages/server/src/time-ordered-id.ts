// Upload ids: UUIDv7 (RFC 9562), so rows inserted together sit together in the primary-key index.
import { randomUUID } from 'node:crypto';

/*
 * Built from randomUUID (v4), whose entropy node:crypto draws in batches (~0.1 us per id): the first
 * 48 bits become the Unix time in milliseconds and the version nibble becomes 7; the variant bits
 * of v4 and v7 are the same. Ids of one millisecond are not ordered among themselves, which the
 * index does not need.
 */
export function timeOrderedId(now: number = Date.now()): string {
  const random = randomUUID();
  const time = now.toString(16).padStart(12, '0').slice(-12);
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15)}`;
}
