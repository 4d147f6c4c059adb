import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { jwtVerify, SignJWT } from 'jose';
import { hmacSha256 } from '../../hmac-sha256.js';
import { verifyHs256 } from './hs256.js';

const secret = 'a-test-secret-that-is-long-enough-0123456789';
const key = Buffer.from(secret);
const mac = hmacSha256(key);
const now = () => Math.floor(Date.now() / 1000);
const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Hand-made tokens, for headers and claims a well-behaved library refuses to produce. */
function forge(header: unknown, claims: unknown, signWith: Buffer = key, algorithm = 'sha256'): string {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${createHmac(algorithm, signWith).update(input).digest('base64url')}`;
}

const joseAccepts = async (token: string) => {
  try {
    await jwtVerify(token, new Uint8Array(key), { algorithms: ['HS256'], requiredClaims: ['sub', 'exp'] });
    return true;
  } catch {
    return false;
  }
};

describe('verifyHs256', () => {
  it('accepts tokens signed by jose and returns their claims', async () => {
    const token = await new SignJWT({ sub: 'user-1', role: 'x' }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt().setExpirationTime('5m').sign(new Uint8Array(key));
    expect(verifyHs256(token, mac, now())).toMatchObject({ sub: 'user-1', role: 'x' });
  });

  it('refuses what the rules refuse', () => {
    const t = now();
    const good = { sub: 'u', exp: t + 60 };
    const refused: Record<string, string> = {
      'alg none': `${b64({ alg: 'none' })}.${b64(good)}.`,
      'alg HS512 with an HS512 signature': forge({ alg: 'HS512' }, good, key, 'sha512'),
      'alg HS512 header over an HS256 signature': forge({ alg: 'HS512' }, good),
      'alg RS256 header': forge({ alg: 'RS256' }, good),
      'crit header': forge({ alg: 'HS256', crit: ['b64'], b64: false }, good),
      'wrong key': forge({ alg: 'HS256' }, good, Buffer.from('another-secret-that-is-long-enough-000000')),
      'expired': forge({ alg: 'HS256' }, { sub: 'u', exp: t - 1 }),
      'expiring this second': forge({ alg: 'HS256' }, { sub: 'u', exp: t }),
      'exp missing': forge({ alg: 'HS256' }, { sub: 'u' }),
      'exp a string': forge({ alg: 'HS256' }, { sub: 'u', exp: String(t + 60) }),
      'nbf in the future': forge({ alg: 'HS256' }, { ...good, nbf: t + 30 }),
      'nbf not a number': forge({ alg: 'HS256' }, { ...good, nbf: 'soon' }),
      'iat not a number': forge({ alg: 'HS256' }, { ...good, iat: 'then' }),
      'sub missing': forge({ alg: 'HS256' }, { exp: t + 60 }),
      'claims an array': forge({ alg: 'HS256' }, [good]),
      'claims not JSON': forge({ alg: 'HS256' }, 'not json'),
      'header not JSON': forge('{alg', good),
      'two segments': `${b64({ alg: 'HS256' })}.${b64(good)}`,
      'four segments': `${forge({ alg: 'HS256' }, good)}.x`,
      'padding characters': `${forge({ alg: 'HS256' }, good)}==`,
      'empty': '',
      'huge': `${'a'.repeat(9000)}.${b64(good)}.x`,
    };
    for (const [why, token] of Object.entries(refused)) expect(verifyHs256(token, mac, t), why).toBeNull();
  });

  it('judges every header on its own, whichever header it saw before', () => {
    const t = now();
    const good = { sub: 'u', exp: t + 60 };
    const headers: Array<[unknown, boolean]> = [
      [{ alg: 'HS256', typ: 'JWT' }, true],
      [{ alg: 'HS512', typ: 'JWT' }, false],
      [{ alg: 'HS256', typ: 'JWT' }, true],
      [{ alg: 'HS256', crit: ['exp'] }, false],
      [{ alg: 'HS256' }, true],
      ['{alg', false],
      [{ alg: 'HS256' }, true],
      [{ alg: 'HS256', typ: 'JWT' }, true],
    ];
    for (const [round, [header, accepted]] of [...headers, ...headers].entries()) {
      expect(verifyHs256(forge(header, good), mac, t) !== null, `${round}: ${JSON.stringify(header)}`).toBe(accepted);
    }
  });

  it('accepts a token whose nbf has come', () => {
    const t = now();
    expect(verifyHs256(forge({ alg: 'HS256' }, { sub: 'u', exp: t + 60, nbf: t }), mac, t)).not.toBeNull();
  });

  it('agrees with jose on every one-character change of a valid token', async () => {
    const token = forge({ alg: 'HS256', typ: 'JWT' }, { sub: 'owner-9', exp: now() + 300, iat: now() });
    const alphabet = 'AQgw_-.=9a';
    let checked = 0;
    for (let position = 0; position < token.length; position += 3) {
      for (const replacement of alphabet) {
        if (token[position] === replacement) continue;
        const mutated = token.slice(0, position) + replacement + token.slice(position + 1);
        expect(verifyHs256(mutated, mac, now()) !== null, mutated).toBe(await joseAccepts(mutated));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(300);
    expect(await joseAccepts(token)).toBe(true);
    expect(verifyHs256(token, mac, now())).not.toBeNull();
  });
});
