// Synchronous verification of compact HS256 JWTs on node:crypto (RFC 7515/7519 rules that apply to HS256).
import { timingSafeEqual } from 'node:crypto';
import type { HmacSha256 } from '../../hmac-sha256.js';

/*
 * Every request of the API carries a token, so this runs on the hot path: one HMAC and one small
 * JSON parse (the claims; the header is remembered, see below), with no trip through the thread
 * pool (WebCrypto's verify is asynchronous and costs tens of times more here). The rules follow
 * jose's jwtVerify with algorithms ['HS256'] and requiredClaims ['sub', 'exp'], with no clock
 * tolerance.
 */

export type JwtClaims = Record<string, unknown>;

/** Three base64url segments; a 32-byte signature is exactly 43 characters without padding. */
const SHAPE = /^([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]+\.([A-Za-z0-9_-]{43})$/;
/** Tokens are header + claims of a few hundred bytes; anything far bigger is not one of ours. */
const MAX_TOKEN_LENGTH = 8192;

/*
 * An issuer writes the same header on every token, so the last header segment found acceptable is
 * remembered and the next token's is compared with it instead of decoded and parsed again. Whether a
 * header is acceptable depends on its text alone, never on the key or the time.
 */
let acceptedHeader = '';

function decodeJsonObject(segment: string): JwtClaims | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JwtClaims) : null;
  } catch {
    return null;
  }
}

const isNumericDate = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

function acceptableHeader(segment: string): boolean {
  if (segment === acceptedHeader) return true;
  const header = decodeJsonObject(segment);
  // `crit` names extensions a verifier must understand; none are understood here.
  if (!header || header.alg !== 'HS256' || header.crit !== undefined) return false;
  acceptedHeader = segment;
  return true;
}

/** The claims of a valid, unexpired token signed with the key of `mac`, or null. `now` is in seconds. */
export function verifyHs256(token: string, mac: HmacSha256, now: number): JwtClaims | null {
  if (token.length > MAX_TOKEN_LENGTH) return null;
  const shape = SHAPE.exec(token);
  if (!shape) return null;
  const headerPart = shape[1]!;
  const signaturePart = shape[2]!;
  const signed = token.length - signaturePart.length - 1;

  const expected = mac.digest(token.slice(0, signed));
  if (!timingSafeEqual(Buffer.from(signaturePart, 'base64url'), expected)) return null;

  if (!acceptableHeader(headerPart)) return null;
  const claims = decodeJsonObject(token.slice(headerPart.length + 1, signed));
  if (!claims) return null;
  if (!isNumericDate(claims.exp) || claims.exp <= now) return null;
  if (claims.nbf !== undefined && (!isNumericDate(claims.nbf) || claims.nbf > now)) return null;
  if (claims.iat !== undefined && !isNumericDate(claims.iat)) return null;
  if (claims.sub === undefined) return null;
  return claims;
}
