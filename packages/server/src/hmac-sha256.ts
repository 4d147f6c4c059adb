// HMAC-SHA-256 (RFC 2104) under one fixed key from two one-shot SHA-256 digests, and the hex SHA-256 beside it.
import * as crypto from 'node:crypto';

/*
 * A bearer token to check and an upload URL to sign: every create makes two or three HMACs, and
 * createHmac builds a keyed OpenSSL context for each. Hashing (key ^ ipad) || message, then
 * (key ^ opad) || inner digest, with Node's one-shot digest does the same computation with less
 * setup: with both in one server process, the first HMAC of a request cost about 10 µs instead of
 * 14 (docs/performance.md). Node before 20.12 has no one-shot digest and uses createHmac. Both give
 * the same bytes (differential tests).
 */

export type MacEncoding = 'hex' | 'base64url';

export interface HmacSha256 {
  /** The MAC of the message's UTF-8 bytes. */
  digest(message: string): Buffer;
  digest(message: string, encoding: MacEncoding): string;
}

const BLOCK_BYTES = 64;
/** Room for most messages (tokens, strings to sign) before the scratch buffer has to grow. */
const INITIAL_MESSAGE_BYTES = 1024;
interface OneShotHash {
  (algorithm: string, data: crypto.BinaryLike, outputEncoding: 'buffer'): Buffer;
  (algorithm: string, data: crypto.BinaryLike, outputEncoding: 'hex'): string;
}
/** Node 20.12+: a one-shot digest costs about half of createHash's object and stream. */
const nodeOneShotHash = (crypto as { hash?: unknown }).hash as OneShotHash | undefined;

/** SHA-256 of a string's UTF-8 bytes, in hex (SigV4's canonical request). */
export function sha256Hex(data: string): string {
  return nodeOneShotHash ? nodeOneShotHash('sha256', data, 'hex') : crypto.createHash('sha256').update(data, 'utf8').digest('hex');
}

/** `oneShotHash: null` forces the createHmac fallback (tests). */
export function hmacSha256(key: Uint8Array | string, oneShotHash: OneShotHash | null = nodeOneShotHash ?? null): HmacSha256 {
  return oneShotHash ? new PaddedKeyHmac(key, oneShotHash) : new KeyedContextHmac(key);
}

/** createHmac per message: the fallback, and the reference the other is tested against. */
class KeyedContextHmac implements HmacSha256 {
  private readonly key: Buffer;

  constructor(key: Uint8Array | string) {
    this.key = Buffer.from(typeof key === 'string' ? Buffer.from(key, 'utf8') : key);
  }

  digest(message: string): Buffer;
  digest(message: string, encoding: MacEncoding): string;
  digest(message: string, encoding?: MacEncoding): Buffer | string {
    const mac = crypto.createHmac('sha256', this.key).update(message, 'utf8');
    return encoding ? mac.digest(encoding) : mac.digest();
  }
}

class PaddedKeyHmac implements HmacSha256 {
  /** (key ^ ipad), then the message: reused, since each digest runs to its end synchronously. */
  private inner: Buffer;
  /** (key ^ opad), then the inner digest. */
  private readonly outer = Buffer.alloc(BLOCK_BYTES + 32);

  constructor(
    key: Uint8Array | string,
    private readonly hash: OneShotHash,
  ) {
    const raw = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
    // A key longer than a block is replaced by its digest (RFC 2104, section 2).
    const block = Buffer.alloc(BLOCK_BYTES);
    (raw.length > BLOCK_BYTES ? hash('sha256', raw, 'buffer') : raw).copy(block);
    this.inner = Buffer.alloc(BLOCK_BYTES + INITIAL_MESSAGE_BYTES);
    for (let i = 0; i < BLOCK_BYTES; i++) {
      this.inner[i] = block[i]! ^ 0x36;
      this.outer[i] = block[i]! ^ 0x5c;
    }
  }

  digest(message: string): Buffer;
  digest(message: string, encoding: MacEncoding): string;
  digest(message: string, encoding?: MacEncoding): Buffer | string {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit, so the exact length is needed only for long messages.
    if (message.length * 3 > this.inner.length - BLOCK_BYTES) this.fit(Buffer.byteLength(message, 'utf8'));
    const length = BLOCK_BYTES + this.inner.write(message, BLOCK_BYTES, 'utf8');
    this.hash('sha256', this.inner.subarray(0, length), 'buffer').copy(this.outer, BLOCK_BYTES);
    const mac = this.hash('sha256', this.outer, 'buffer');
    return encoding ? mac.toString(encoding) : mac;
  }

  private fit(messageBytes: number): void {
    if (BLOCK_BYTES + messageBytes <= this.inner.length) return;
    const larger = Buffer.alloc(BLOCK_BYTES + messageBytes);
    this.inner.copy(larger, 0, 0, BLOCK_BYTES);
    this.inner = larger;
  }
}
