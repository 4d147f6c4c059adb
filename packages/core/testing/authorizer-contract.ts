// Contract of the Authorizer port.
import { describe, expect, it } from 'vitest';
import type { Authorizer, Credentials } from '../src/index.js';

export interface AuthorizerFixture {
  authorizer: Authorizer;
  /** Credentials that must authenticate, and the owner they stand for. */
  valid: () => Promise<{ credentials: Credentials; owner: string }>;
  /** Credentials that must not: forged, tampered, expired, of another key. */
  invalid: () => Promise<Credentials[]>;
}

export function describeAuthorizerContract(name: string, setup: () => Promise<AuthorizerFixture>): void {
  describe(`Authorizer contract: ${name}`, () => {
    it('answers the owner for valid credentials, every time', async () => {
      const fixture = await setup();
      const { credentials, owner } = await fixture.valid();
      expect(await fixture.authorizer.authenticate(credentials)).toEqual({ owner });
      expect(await fixture.authorizer.authenticate(credentials)).toEqual({ owner });
    });

    it('answers null, never throws, for missing and invalid credentials', async () => {
      const fixture = await setup();
      const invalid = await fixture.invalid();
      expect(invalid.length).toBeGreaterThan(0);
      for (const credentials of [{}, { bearerToken: '' }, { sessionToken: '' }, ...invalid]) {
        expect(await fixture.authorizer.authenticate(credentials)).toBeNull();
      }
    });
  });
}
