// Synchronous verification of compact HS256 JWTs on node:crypto (RFC 7515/7519 rules that apply to HS256).
import { createHmac, timingSafeEqual } from 'node:crypto';

/*
 * Every request of the API carries a token, so this runs on the hot path: one HMAC and two small
 * JSON parses, with no trip through the thread pool (WebCrypto's verify is asynchronous and costs
 * tens of times more here). The rules follow jose's jwtVerify with algorithms ['HS256'] and
 * requiredClaims ['sub', 'exp'], with no clock tolerance.
 */

export type JwtClaims = Record<string, unknown>;

const SEGMENT = /^[A-Za-z0-9_-]+$/;
const SIGNATURE_BYTES = 32;
/** Tokens are header + claims of a few hundred bytes; anything far bigger is not one of ours. */
const MAX_TOKEN_LENGTH = 8192;

function decodeJsonObject(segment: string): JwtClaims | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JwtClaims) : null;
  } catch {
    return null;
  }
}

const isNumericDate = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** The claims of a valid, unexpired token signed with `key`, or null. `now` is in seconds. */
export function verifyHs256(token: string, key: Buffer, now: number): JwtClaims | null {
  if (token.length > MAX_TOKEN_LENGTH) return null;
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  if (first <= 0 || second <= first + 1 || second === token.length - 1 || token.indexOf('.', second + 1) !== -1) return null;
  const [headerPart, payloadPart, signaturePart] = [token.slice(0, first), token.slice(first + 1, second), token.slice(second + 1)];
  if (!SEGMENT.test(headerPart) || !SEGMENT.test(payloadPart) || !SEGMENT.test(signaturePart)) return null;

  const signature = Buffer.from(signaturePart, 'base64url');
  if (signature.length !== SIGNATURE_BYTES) return null;
  const expected = createHmac('sha256', key).update(token.slice(0, second)).digest();
  if (!timingSafeEqual(signature, expected)) return null;

  const header = decodeJsonObject(headerPart);
  // `crit` names extensions a verifier must understand; none are understood here.
  if (!header || header.alg !== 'HS256' || header.crit !== undefined) return null;
  const claims = decodeJsonObject(payloadPart);
  if (!claims) return null;
  if (!isNumericDate(claims.exp) || claims.exp <= now) return null;
  if (claims.nbf !== undefined && (!isNumericDate(claims.nbf) || claims.nbf > now)) return null;
  if (claims.iat !== undefined && !isNumericDate(claims.iat)) return null;
  if (claims.sub === undefined) return null;
  return claims;
}
