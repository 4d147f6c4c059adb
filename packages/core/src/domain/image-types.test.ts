import { describe, expect, it } from 'vitest';
import { sniffImageType } from './image-types.js';

const bytes = (...parts: Array<string | number[]>) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)));

describe('sniffImageType', () => {
  it('recognises each accepted type from its magic bytes', () => {
    expect(sniffImageType(bytes([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(sniffImageType(bytes([0x89], 'PNG', [0x0d, 0x0a, 0x1a, 0x0a]))).toBe('image/png');
    expect(sniffImageType(bytes('GIF89a'))).toBe('image/gif');
    expect(sniffImageType(bytes('GIF87a'))).toBe('image/gif');
    expect(sniffImageType(bytes('RIFF', [1, 2, 3, 4], 'WEBPVP8 '))).toBe('image/webp');
    expect(sniffImageType(bytes([0, 0, 0, 0x1c], 'ftypavif', [0, 0, 0, 0], 'avifmif1miaf'))).toBe('image/avif');
    expect(sniffImageType(bytes([0, 0, 0, 0x1c], 'ftypmif1', [0, 0, 0, 0], 'mif1avifmiaf'))).toBe('image/avif');
  });

  it('refuses everything else', () => {
    for (const other of [
      bytes('<!DOCTYPE html>'),
      bytes('<svg xmlns="http://www.w3.org/2000/svg">'),
      bytes('II*', [0]),
      bytes([0x7f], 'ELF'),
      bytes([0, 0, 0, 0x18], 'ftypheic', [0, 0, 0, 0], 'mif1heic'),
      bytes('RIFF', [1, 2, 3, 4], 'WAVE'),
      bytes([0xff, 0xd8]),
      new Uint8Array(0),
    ]) {
      expect(sniffImageType(other)).toBeNull();
    }
  });
});
