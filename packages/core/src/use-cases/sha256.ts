// SHA-256 with WebCrypto, so the core runs unchanged wherever `crypto.subtle` exists.

/** The SHA-256 of some bytes, base64-encoded (the form of a declared `checksum.value`). */
export type Sha256Base64 = (bytes: Uint8Array) => string | Promise<string>;

export async function sha256Base64(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  let binary = '';
  for (const byte of digest) binary += String.fromCharCode(byte);
  return btoa(binary);
}
