// Reads a simple `Range: bytes=...` header (one range) against an object's size.
import type { ByteRange } from './disk-storage.js';

const SINGLE_RANGE = /^bytes=(\d{0,15})-(\d{0,15})$/;

/**
 * The one range the header asks for, clipped to the object; null for anything else (several ranges,
 * other units, unsatisfiable or malformed), which lets the caller send the whole object, as HTTP allows.
 */
export function parseByteRange(header: string | undefined, size: number): ByteRange | null {
  if (header === undefined || size <= 0) return null;
  const match = SINGLE_RANGE.exec(header.trim());
  if (!match) return null;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return null;
  if (first === '') {
    const suffix = Number(last);
    return suffix > 0 ? { start: Math.max(0, size - suffix), end: size - 1 } : null;
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  return start < size && start <= end ? { start, end } : null;
}
