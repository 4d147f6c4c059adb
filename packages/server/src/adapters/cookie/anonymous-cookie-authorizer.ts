// Authorizer for AUTH_MODE=anonymous: each browser gets an owner id carried in an HMAC-signed cookie.
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { Authorizer, Credentials, Principal } from '@direct-upload/core';
import { hmacSha256, type HmacSha256 } from '../../hmac-sha256.js';

export class AnonymousCookieAuthorizer implements Authorizer {
  private readonly hmac: HmacSha256;

  constructor(key: Uint8Array) {
    this.hmac = hmacSha256(key);
  }

  /** A new owner and the session token that proves it. */
  issue(): { owner: string; token: string } {
    const owner = randomUUID();
    return { owner, token: `${owner}.${this.mac(owner)}` };
  }

  async authenticate(credentials: Credentials): Promise<Principal | null> {
    const token = credentials.sessionToken;
    if (!token) return null;
    const dot = token.lastIndexOf('.');
    if (dot <= 0) return null;
    const owner = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1));
    const expected = Buffer.from(this.mac(owner));
    return given.length === expected.length && timingSafeEqual(given, expected) ? { owner } : null;
  }

  private mac(owner: string): string {
    return this.hmac.digest(owner, 'base64url');
  }
}
