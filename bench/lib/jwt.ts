// HS256 bearer tokens for the benchmark's clients, signed synchronously with node:crypto.
import { createHmac } from 'node:crypto';

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');
const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

/** A token the server's AUTH_MODE=jwt accepts: `sub` is the owner, valid for `ttlSeconds`. */
export function signToken(secret: string, owner: string, ttlSeconds = 3600): string {
  const payload = base64url(JSON.stringify({ sub: owner, exp: Math.floor(Date.now() / 1000) + ttlSeconds }));
  const signature = createHmac('sha256', secret).update(`${HEADER}.${payload}`).digest('base64url');
  return `${HEADER}.${payload}.${signature}`;
}
