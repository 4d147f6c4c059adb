import { describe, expect, it } from 'vitest';
import { FILENAME_MAX } from '@direct-upload/protocol';
import { cleanFilename, contentDisposition } from './filename.js';

describe('cleanFilename', () => {
  it('replaces control characters, bidi overrides and path separators, and drops leading dots', () => {
    expect(cleanFilename('a\u0000b\u202ec/d\\e.png')).toBe('a_b_c_d_e.png');
    expect(cleanFilename('..hidden.jpg')).toBe('hidden.jpg');
    expect(cleanFilename('  photo.jpg  ')).toBe('photo.jpg');
  });

  it('names what is left empty "file"', () => {
    expect(cleanFilename('...')).toBe('file');
    expect(cleanFilename('   ')).toBe('file');
  });

  it('keeps at most FILENAME_MAX code points, never splitting a surrogate pair', () => {
    expect(cleanFilename('a'.repeat(FILENAME_MAX))).toBe('a'.repeat(FILENAME_MAX));
    expect(cleanFilename('a'.repeat(FILENAME_MAX + 5))).toBe('a'.repeat(FILENAME_MAX));
    // FILENAME_MAX emoji are 2 × FILENAME_MAX UTF-16 units, and all of them are kept.
    expect(cleanFilename('😀'.repeat(FILENAME_MAX))).toBe('😀'.repeat(FILENAME_MAX));
    const cut = cleanFilename(`${'😀'.repeat(FILENAME_MAX)}x`);
    expect([...cut]).toHaveLength(FILENAME_MAX);
    expect(cut.endsWith('😀')).toBe(true);
  });
});

describe('contentDisposition', () => {
  it('gives an ASCII fallback and the exact name in RFC 5987 form', () => {
    expect(contentDisposition('inline', 'été "1".png')).toBe(`inline; filename="_t_ _1_.png"; filename*=UTF-8''%C3%A9t%C3%A9%20%221%22.png`);
  });
});
