// Maps object keys onto paths under the disk store's root, refusing anything that could leave it.
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { DomainError } from '@direct-upload/core';

/** Whole key, in characters (all ASCII once valid). */
export const MAX_KEY_LENGTH = 512;
/** Leaves room under NAME_MAX (255) for the sidecar suffix. */
export const MAX_SEGMENT_LENGTH = 128;
export const MAX_SEGMENTS = 16;

// Dots only between other characters: no `.`, `..`, hidden names or trailing dots, so no key can
// name the store's own dot-directories, and a sidecar suffix (with `@`) can never be a key.
const SEGMENT = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;

function invalid(): DomainError {
  return new DomainError('invalid_request', 'Invalid object key.');
}

/** The key's segments; throws DomainError `invalid_request` unless every one is safe. */
export function keySegments(key: unknown): string[] {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) throw invalid();
  const segments = key.split('/');
  if (segments.length > MAX_SEGMENTS) throw invalid();
  for (const segment of segments) {
    if (segment.length > MAX_SEGMENT_LENGTH || !SEGMENT.test(segment)) throw invalid();
  }
  return segments;
}

export function isValidKey(key: unknown): key is string {
  try {
    keySegments(key);
    return true;
  } catch {
    return false;
  }
}

/** Absolute path of the key's file under `root` (itself absolute); never the root or outside it. */
export function keyToPath(root: string, key: string): string {
  const segments = keySegments(key);
  const base = resolve(root);
  const path = resolve(base, ...segments);
  // Belt and braces: the segment rule already rules out traversal; this catches any rule mistake.
  const rel = relative(base, path);
  const prefix = base.endsWith(sep) ? base : base + sep;
  if (rel === '' || isAbsolute(rel) || rel === '..' || rel.startsWith(`..${sep}`) || !path.startsWith(prefix)) {
    throw invalid();
  }
  return path;
}

/** The key as a URL path; a valid key needs no escaping, encoding anyway keeps that true if the rule widens. */
export function keyUrlPath(key: string): string {
  return keySegments(key).map(encodeURIComponent).join('/');
}
