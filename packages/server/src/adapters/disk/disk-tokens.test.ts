import { describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { DiskTokens, unixSeconds, type UploadTokenClaims } from './disk-tokens.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const at = (ms: number) => new DiskTokens(secret, { now: () => ms });
const secret = randomBytes(32);
const tokens = at(NOW);

const upload: UploadTokenClaims = {
  uploadId: '0d9c3d3e-4b7a-4d38-9a38-2f8f0b0b6c11',
  key: 'incoming/owner-1/0d9c3d3e-4b7a-4d38-9a38-2f8f0b0b6c11',
  contentType: 'image/png',
  size: 2048,
  checksumSha256: createHash('sha256').update('x').digest('base64'),
  exp: NOW / 1000 + 300,
};
const read = { key: 'private/0d9c3d3e-4b7a-4d38-9a38-2f8f0b0b6c11', exp: NOW / 1000 + 300 };

/** Re-encodes the payload with changes but keeps the original MAC. */
function tamper(token: string, change: (payload: Record<string, unknown>) => void): string {
  const [body, mac] = token.split('.') as [string, string];
  const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
  change(payload);
  return `${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${mac}`;
}

describe('DiskTokens', () => {
  it('round-trips upload claims, with and without a checksum', () => {
    expect(tokens.verifyUpload(tokens.signUpload(upload))).toEqual({ ok: true, claims: upload });
    const { checksumSha256: _, ...bare } = upload;
    expect(tokens.verifyUpload(tokens.signUpload(bare))).toEqual({ ok: true, claims: bare });
  });

  it('round-trips read claims', () => {
    expect(tokens.verifyRead(tokens.signRead(read))).toEqual({ ok: true, claims: read });
  });

  it('makes compact URL-safe tokens', () => {
    const token = tokens.signUpload(upload);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(encodeURIComponent(token)).toBe(token);
    expect(token.length).toBeLessThan(400);
  });

  it('refuses a token whose payload was changed in any field', () => {
    const token = tokens.signUpload(upload);
    const changes: Array<(p: Record<string, unknown>) => void> = [
      (p) => (p.u = 'other-id'),
      (p) => (p.k = 'incoming/owner-2/0d9c3d3e-4b7a-4d38-9a38-2f8f0b0b6c11'),
      (p) => (p.t = 'text/html'),
      (p) => (p.s = 2049),
      (p) => (p.c = createHash('sha256').update('y').digest('base64')),
      (p) => delete p.c,
      (p) => (p.e = (p.e as number) + 3600),
      (p) => (p.p = 'read'),
      (p) => (p.extra = true),
    ];
    for (const change of changes) {
      const tampered = tamper(token, change);
      expect(tampered).not.toBe(token);
      expect(tokens.verifyUpload(tampered)).toEqual({ ok: false, reason: 'invalid' });
    }
    const readToken = tokens.signRead(read);
    for (const change of [(p: Record<string, unknown>) => (p.k = 'public/x'), (p: Record<string, unknown>) => (p.e = 9_999_999_999)]) {
      expect(tokens.verifyRead(tamper(readToken, change))).toEqual({ ok: false, reason: 'invalid' });
    }
  });

  it('refuses malformed tokens and altered MACs', () => {
    const token = tokens.signUpload(upload);
    const [body, mac] = token.split('.') as [string, string];
    const flipped = `${mac.slice(0, 10)}${mac[10] === 'A' ? 'B' : 'A'}${mac.slice(11)}`;
    // The last base64url character carries 2 unused bits: a variant decoding to the same MAC is still refused.
    const lastChar = mac.at(-1)!;
    const alias = 'AEIMQUYcgkosw048'.includes(lastChar) ? String.fromCharCode(lastChar.charCodeAt(0) + 1) : lastChar;
    const other = tokens.signUpload({ ...upload, size: 1 });
    const candidates: unknown[] = [
      undefined,
      null,
      42,
      ['a', 'b'],
      '',
      '.',
      body,
      `${body}.`,
      `.${mac}`,
      `${body}.${flipped}`,
      `${body}.${mac.slice(0, -1)}`,
      `${body}.${mac}A`,
      `${body}x.${mac}`,
      `${body}.${mac}.${mac}`,
      `${other.split('.')[0]}.${mac}`,
      `${body}.${mac}`.replace(/-/g, '+'),
      `${'A'.repeat(5000)}.${mac}`,
    ];
    if (alias !== lastChar) candidates.push(`${body}.${mac.slice(0, -1)}${alias}`);
    for (const candidate of candidates) {
      if (candidate === token) continue;
      expect(tokens.verifyUpload(candidate), String(candidate)).toEqual({ ok: false, reason: 'invalid' });
    }
  });

  it('refuses tokens made with another secret', () => {
    const foreign = new DiskTokens(randomBytes(32), { now: () => NOW });
    expect(tokens.verifyUpload(foreign.signUpload(upload))).toEqual({ ok: false, reason: 'invalid' });
    expect(tokens.verifyRead(foreign.signRead(read))).toEqual({ ok: false, reason: 'invalid' });
  });

  it('tells expired tokens apart, but only once the MAC is valid', () => {
    const token = tokens.signUpload(upload);
    expect(at(upload.exp * 1000 - 1).verifyUpload(token).ok).toBe(true);
    expect(at(upload.exp * 1000).verifyUpload(token)).toEqual({ ok: false, reason: 'expired' });
    expect(at(upload.exp * 1000 + 86_400_000).verifyRead(tokens.signRead(read))).toEqual({ ok: false, reason: 'expired' });
    const forgedAndExpired = tamper(token, (p) => (p.s = 1));
    expect(at(upload.exp * 1000 + 1000).verifyUpload(forgedAndExpired)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('keeps purposes apart: an upload token never reads, a read token never uploads', () => {
    const uploadToken = tokens.signUpload(upload);
    const readToken = tokens.signRead({ key: upload.key, exp: upload.exp });
    expect(tokens.verifyRead(uploadToken)).toEqual({ ok: false, reason: 'invalid' });
    expect(tokens.verifyUpload(readToken)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('requires a secret of at least 32 bytes and well-formed claims', () => {
    expect(() => new DiskTokens(randomBytes(31))).toThrow();
    expect(() => tokens.signUpload({ ...upload, size: -1 })).toThrow();
    expect(() => tokens.signUpload({ ...upload, checksumSha256: 'not base64' })).toThrow();
    expect(() => tokens.signRead({ key: '', exp: read.exp })).toThrow();
  });

  it('rounds expiry dates down to whole seconds', () => {
    expect(unixSeconds(new Date(NOW + 999))).toBe(NOW / 1000);
  });
});
