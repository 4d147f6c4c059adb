import { describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { JwtAuthorizer } from './jwt-authorizer.js';
import { describeAuthorizerContract } from '@direct-upload/core/testing';

const secret = 'a-test-secret-that-is-long-enough-0123456789';
const key = new TextEncoder().encode(secret);
const sign = (claims: Record<string, unknown>, options: { exp?: string | number; alg?: string; key?: Uint8Array } = {}) => {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: options.alg ?? 'HS256' }).setIssuedAt();
  if (options.exp !== undefined) jwt.setExpirationTime(options.exp);
  return jwt.sign(options.key ?? key);
};

describe('JwtAuthorizer', () => {
  const authorizer = new JwtAuthorizer(secret);

  it('accepts a valid HS256 token and takes the owner from sub', async () => {
    expect(await authorizer.authenticate({ bearerToken: await sign({ sub: 'user-42' }, { exp: '5m' }) })).toEqual({ owner: 'user-42' });
  });

  it('refuses missing, expired, unsigned-claim, wrong-key and wrong-algorithm tokens', async () => {
    const refused = [
      undefined,
      'not-a-jwt',
      await sign({ sub: 'u' }, { exp: Math.floor(Date.now() / 1000) - 60 }),
      await sign({ sub: 'u' }),
      await sign({}, { exp: '5m' }),
      await sign({ sub: 'u' }, { exp: '5m', key: new TextEncoder().encode('another-secret-that-is-long-enough-000000') }),
      await sign({ sub: 'u' }, { exp: '5m', alg: 'HS512' }),
    ];
    for (const bearerToken of refused) {
      expect(await authorizer.authenticate(bearerToken ? { bearerToken } : {})).toBeNull();
    }
  });
});

describeAuthorizerContract('JwtAuthorizer', async () => ({
  authorizer: new JwtAuthorizer(secret),
  valid: async () => ({ credentials: { bearerToken: await sign({ sub: 'owner-7' }, { exp: '5m' }) }, owner: 'owner-7' }),
  invalid: async () => [
    { bearerToken: await sign({ sub: 'owner-7' }, { exp: Math.floor(Date.now() / 1000) - 60 }) },
    { bearerToken: await sign({ sub: 'owner-7' }, { exp: '5m', alg: 'HS384' }) },
    { sessionToken: 'not-a-bearer' },
  ],
}));
