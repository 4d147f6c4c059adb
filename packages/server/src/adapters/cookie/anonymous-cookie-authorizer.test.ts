import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { AnonymousCookieAuthorizer } from './anonymous-cookie-authorizer.js';
import { describeAuthorizerContract } from '@direct-upload/core/testing';

describe('AnonymousCookieAuthorizer', () => {
  const authorizer = new AnonymousCookieAuthorizer(randomBytes(32));

  it('issues owners whose tokens authenticate', async () => {
    const a = authorizer.issue();
    const b = authorizer.issue();
    expect(a.owner).not.toBe(b.owner);
    expect(await authorizer.authenticate({ sessionToken: a.token })).toEqual({ owner: a.owner });
  });

  it('refuses forged, tampered and foreign tokens', async () => {
    const { owner, token } = authorizer.issue();
    const other = new AnonymousCookieAuthorizer(randomBytes(32)).issue();
    for (const sessionToken of [undefined, '', owner, `${owner}.`, `other-owner${token.slice(owner.length)}`, `${token}x`, other.token]) {
      expect(await authorizer.authenticate(sessionToken === undefined ? {} : { sessionToken })).toBeNull();
    }
  });
});

describeAuthorizerContract('AnonymousCookieAuthorizer', async () => {
  const authorizer = new AnonymousCookieAuthorizer(randomBytes(32));
  return {
    authorizer,
    valid: async () => {
      const { owner, token } = authorizer.issue();
      return { credentials: { sessionToken: token }, owner };
    },
    invalid: async () => [
      { sessionToken: new AnonymousCookieAuthorizer(randomBytes(32)).issue().token },
      { sessionToken: `${authorizer.issue().token}x` },
      { bearerToken: authorizer.issue().token },
    ],
  };
});
