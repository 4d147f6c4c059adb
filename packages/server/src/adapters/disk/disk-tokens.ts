// HMAC-signed, expiring tokens that alone authorize one upload to, or one read from, the disk store.
import { timingSafeEqual } from 'node:crypto';
import { hmacSha256, type HmacSha256 } from '../../hmac-sha256.js';

/** What an upload URL allows: exactly these bytes, to this key, until `exp`. */
export interface UploadTokenClaims {
  uploadId: string;
  key: string;
  contentType: string;
  /** Exact length in bytes. */
  size: number;
  /** Base64 SHA-256 the body must have. */
  checksumSha256?: string;
  /** Expiry, unix seconds. */
  exp: number;
}

/** What a read URL allows: fetching this key until `exp`. */
export interface ReadTokenClaims {
  key: string;
  /** Expiry, unix seconds. */
  exp: number;
}

/** `invalid` covers forged, tampered, malformed and wrong-purpose tokens alike. */
export type TokenCheck<T> = { ok: true; claims: T } | { ok: false; reason: 'invalid' | 'expired' };

export interface DiskTokensOptions {
  /** Current time in milliseconds; tests move it. */
  now?: () => number;
}

export const MIN_SECRET_BYTES = 32;
const MAX_TOKEN_LENGTH = 4096;
/** Bumped if the payload format changes, so old tokens fail instead of being misread. */
const VERSION = 'du1';
const SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/;
const CHECKSUM = /^[A-Za-z0-9+/]{43}=$/;

type Purpose = 'upload' | 'read';

export class DiskTokens {
  private readonly hmac: HmacSha256;
  private readonly now: () => number;

  constructor(secret: Uint8Array, options: DiskTokensOptions = {}) {
    if (secret.byteLength < MIN_SECRET_BYTES) throw new Error(`The disk token secret must hold at least ${MIN_SECRET_BYTES} bytes.`);
    this.hmac = hmacSha256(secret);
    this.now = options.now ?? Date.now;
  }

  signUpload(claims: UploadTokenClaims): string {
    if (!isUploadClaims(claims)) throw new Error('Invalid upload token claims.');
    return this.seal({
      p: 'upload',
      u: claims.uploadId,
      k: claims.key,
      t: claims.contentType,
      s: claims.size,
      ...(claims.checksumSha256 !== undefined ? { c: claims.checksumSha256 } : {}),
      e: claims.exp,
    });
  }

  verifyUpload(token: unknown): TokenCheck<UploadTokenClaims> {
    const payload = this.open(token, 'upload');
    if (!payload) return { ok: false, reason: 'invalid' };
    const claims: UploadTokenClaims = {
      uploadId: payload.u as string,
      key: payload.k as string,
      contentType: payload.t as string,
      size: payload.s as number,
      ...(payload.c !== undefined ? { checksumSha256: payload.c as string } : {}),
      exp: payload.e as number,
    };
    if (!isUploadClaims(claims)) return { ok: false, reason: 'invalid' };
    return this.unlessExpired(claims);
  }

  signRead(claims: ReadTokenClaims): string {
    if (!isReadClaims(claims)) throw new Error('Invalid read token claims.');
    return this.seal({ p: 'read', k: claims.key, e: claims.exp });
  }

  verifyRead(token: unknown): TokenCheck<ReadTokenClaims> {
    const payload = this.open(token, 'read');
    if (!payload) return { ok: false, reason: 'invalid' };
    const claims: ReadTokenClaims = { key: payload.k as string, exp: payload.e as number };
    if (!isReadClaims(claims)) return { ok: false, reason: 'invalid' };
    return this.unlessExpired(claims);
  }

  private seal(payload: Record<string, unknown> & { p: Purpose }): string {
    const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  /** The payload of a token with a valid MAC and the given purpose, or null. */
  private open(token: unknown, purpose: Purpose): Record<string, unknown> | null {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !SHAPE.test(token)) return null;
    const dot = token.indexOf('.');
    const body = token.slice(0, dot);
    // Compared as text: two strings that decode to the same MAC bytes are still different tokens.
    const given = Buffer.from(token.slice(dot + 1), 'utf8');
    const expected = Buffer.from(this.mac(body), 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      return null;
    }
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return null;
    const record = payload as Record<string, unknown>;
    return record.p === purpose ? record : null;
  }

  /** Checked only after the MAC, so an expiry answer never reveals anything about a forged token. */
  private unlessExpired<T extends { exp: number }>(claims: T): TokenCheck<T> {
    return this.now() >= claims.exp * 1000 ? { ok: false, reason: 'expired' } : { ok: true, claims };
  }

  private mac(body: string): string {
    return this.hmac.digest(`${VERSION}.${body}`, 'base64url');
  }
}

/** Unix seconds of a date, rounded down so a token never outlives what it was asked for. */
export function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
const unix = (value: unknown): value is number => Number.isSafeInteger(value);

function isUploadClaims(claims: UploadTokenClaims): boolean {
  return (
    nonEmpty(claims.uploadId) &&
    nonEmpty(claims.key) &&
    nonEmpty(claims.contentType) &&
    Number.isSafeInteger(claims.size) &&
    claims.size >= 0 &&
    (claims.checksumSha256 === undefined || CHECKSUM.test(claims.checksumSha256)) &&
    unix(claims.exp)
  );
}

function isReadClaims(claims: ReadTokenClaims): boolean {
  return nonEmpty(claims.key) && unix(claims.exp);
}
