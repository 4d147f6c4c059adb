// Authorizer for AUTH_MODE=jwt: an HS256 bearer token whose `sub` is the owner.
import { errors, jwtVerify } from 'jose';
import type { Authorizer, Credentials, Principal } from '@direct-upload/core';

export class JwtAuthorizer implements Authorizer {
  private readonly key: Uint8Array;

  constructor(secret: string) {
    this.key = new TextEncoder().encode(secret);
  }

  async authenticate(credentials: Credentials): Promise<Principal | null> {
    if (!credentials.bearerToken) return null;
    try {
      const { payload } = await jwtVerify(credentials.bearerToken, this.key, {
        algorithms: ['HS256'],
        requiredClaims: ['sub', 'exp'],
      });
      return typeof payload.sub === 'string' && payload.sub.length > 0 && payload.sub.length <= 255 ? { owner: payload.sub } : null;
    } catch (error) {
      if (error instanceof errors.JOSEError) return null;
      throw error;
    }
  }
}
