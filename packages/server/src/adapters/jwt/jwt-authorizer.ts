// Authorizer for AUTH_MODE=jwt: an HS256 bearer token whose `sub` is the owner.
import type { Authorizer, Credentials, Principal } from '@direct-upload/core';
import { hmacSha256, type HmacSha256 } from '../../hmac-sha256.js';
import { verifyHs256 } from './hs256.js';

const MAX_OWNER_LENGTH = 255;

export class JwtAuthorizer implements Authorizer {
  private readonly mac: HmacSha256;

  constructor(secret: string) {
    this.mac = hmacSha256(secret);
  }

  async authenticate(credentials: Credentials): Promise<Principal | null> {
    if (!credentials.bearerToken) return null;
    const claims = verifyHs256(credentials.bearerToken, this.mac, Math.floor(Date.now() / 1000));
    const sub = claims?.sub;
    return typeof sub === 'string' && sub.length > 0 && sub.length <= MAX_OWNER_LENGTH ? { owner: sub } : null;
  }
}
