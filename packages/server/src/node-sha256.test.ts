import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { sha256Base64 } from '@direct-upload/core';
import { nodeSha256Base64 } from './node-sha256.js';

describe('nodeSha256Base64', () => {
  it('answers what the core default (WebCrypto) answers', async () => {
    for (const length of [0, 1, 55, 56, 64, 1000, 65_537, 3_000_001]) {
      const bytes = randomBytes(length);
      expect(nodeSha256Base64(bytes)).toBe(await sha256Base64(bytes));
      // A view into a larger buffer hashes only its own bytes.
      const view = Buffer.concat([randomBytes(7), bytes, randomBytes(9)]).subarray(7, 7 + length);
      expect(nodeSha256Base64(view)).toBe(await sha256Base64(bytes));
    }
  });

  it('matches a known digest', () => {
    expect(nodeSha256Base64(new TextEncoder().encode('abc'))).toBe('ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=');
  });
});
