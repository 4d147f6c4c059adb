// SHA-256 of a file with WebCrypto, base64-encoded as the API's checksum field wants it.
import { throwIfAborted } from './upload-error.js';

/**
 * The digest, or null where WebCrypto is unavailable (pages served over plain http from
 * a non-local host): the checksum is optional, and the server still checks type and size.
 */
export async function sha256Base64(blob: Blob, signal?: AbortSignal): Promise<string | null> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return null;
  const bytes = await blob.arrayBuffer();
  throwIfAborted(signal);
  const digest = new Uint8Array(await subtle.digest('SHA-256', bytes));
  throwIfAborted(signal);
  let binary = '';
  for (const byte of digest) binary += String.fromCharCode(byte);
  return btoa(binary);
}
