// Object keys: always made by the server, never from anything the client sends.
import type { Visibility } from '@direct-upload/protocol';

const SAFE_SEGMENT = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Owner ids come from tokens (`sub`) and may hold any character; a key segment must not.
 * Safe ids are kept for readability, others are replaced by a digest supplied by the caller.
 */
export function ownerSegment(owner: string, digest: (value: string) => string): string {
  return SAFE_SEGMENT.test(owner) ? owner : `h-${digest(owner)}`;
}

export const INCOMING_PREFIX = 'incoming/';

export function incomingKey(ownerSegmentValue: string, id: string): string {
  return `${INCOMING_PREFIX}${ownerSegmentValue}/${id}`;
}

/**
 * Served copies: the prefix says who may read them, so stores can grant public reads by prefix.
 * Keys are deterministic, so a retried processing rewrites the same objects.
 */
export function originalKey(visibility: Visibility, id: string): string {
  return `${visibility}/${id}/original`;
}

export function variantKey(visibility: Visibility, id: string, name: string, extension: string): string {
  return `${visibility}/${id}/${name}.${extension}`;
}

export function isPublicKey(key: string): boolean {
  return key.startsWith('public/');
}
