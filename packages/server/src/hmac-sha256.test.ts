import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hmacSha256 } from './hmac-sha256.js';

const reference = (key: Buffer, message: string) => createHmac('sha256', key).update(message, 'utf8').digest();

const KEY_LENGTHS = [0, 1, 31, 32, 63, 64, 65, 100, 200];
const MESSAGES = [
  '',
  'a',
  'du1.eyJwIjoidXBsb2FkIn0',
  'x'.repeat(63),
  'x'.repeat(64),
  'x'.repeat(341), // 341 × 3 > 1024: the long-message path, yet it fits
  'é'.repeat(600), // 1,200 bytes: the scratch grows
  '😀 emoji and \u0000 nul',
  'lone surrogate \ud800 here', // encoded as EF BF BD, as createHmac does
  'y'.repeat(10_000),
  'short again, after the long ones',
];

describe('hmacSha256', () => {
  for (const [name, oneShot] of [['one-shot digests', undefined], ['createHmac fallback', null]] as const) {
    it(`${name}: the same bytes as createHmac for keys of every length and any message`, () => {
      for (const length of KEY_LENGTHS) {
        const key = randomBytes(length);
        const mac = oneShot === null ? hmacSha256(key, null) : hmacSha256(key);
        // Twice over, in order: a message must not see the bytes of a longer one before it.
        for (const message of [...MESSAGES, ...MESSAGES]) {
          expect(mac.digest(message).equals(reference(key, message)), `key ${length} bytes, message ${message.length}`).toBe(true);
        }
      }
    });
  }

  it('uses the one-shot digest where Node has one (20.12+)', () => {
    expect(hmacSha256('k').constructor.name).toBe('PaddedKeyHmac');
    expect(hmacSha256('k', null).constructor.name).toBe('KeyedContextHmac');
  });

  it('takes a string key as its UTF-8 bytes, and encodes on request', () => {
    const mac = hmacSha256('clé secrète');
    const key = Buffer.from('clé secrète', 'utf8');
    expect(mac.digest('m', 'hex')).toBe(reference(key, 'm').toString('hex'));
    expect(mac.digest('m', 'base64url')).toBe(reference(key, 'm').toString('base64url'));
  });

  it('keeps its own copy of the key', () => {
    const key = Buffer.from('0123456789abcdef0123456789abcdef');
    const mac = hmacSha256(key);
    const expected = reference(Buffer.from(key), 'm');
    key.fill(0);
    expect(mac.digest('m').equals(expected)).toBe(true);
  });
});
