// The checks before any request, and the sizes their messages show.
import { describe, expect, it } from 'vitest';
import { checkFile } from './file-check.js';
import { formatBytes } from './format-bytes.js';

const config = { allowedTypes: ['image/jpeg', 'image/png'], maxBytes: 10 * 1024 * 1024 };
const fileOf = (name: string, type: string, size: number) => new File([new Uint8Array(size)], name, { type });

describe('checkFile', () => {
  it('accepts an allowed type within the limit', () => {
    expect(checkFile(fileOf('a.png', 'image/png', 10), config)).toBeNull();
    expect(checkFile(fileOf('a.jpg', 'IMAGE/JPEG', 10), config)).toBeNull();
  });

  it('refuses a type the server does not allow, with a sentence naming the file', () => {
    const error = checkFile(fileOf('photo.svg', 'image/svg+xml', 10), config);
    expect(error).toMatchObject({ code: 'unsupported_type', message: 'photo.svg: this file type is not allowed' });
    expect(checkFile(fileOf('notes', '', 10), config)?.code).toBe('unsupported_type');
  });

  it('refuses a file over the limit and says the limit', () => {
    const error = checkFile(fileOf('big.jpg', 'image/jpeg', config.maxBytes + 1), config);
    expect(error).toMatchObject({ code: 'file_too_large', message: 'big.jpg is too large (max 10 MB)' });
  });

  it('refuses an empty file', () => {
    expect(checkFile(fileOf('zero.png', 'image/png', 0), config)).toMatchObject({ code: 'empty_file', message: 'zero.png is empty' });
  });
});

describe('formatBytes', () => {
  it('uses binary units', () => {
    expect(formatBytes(0)).toBe('0 bytes');
    expect(formatBytes(1023)).toBe('1023 bytes');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(10_485_760)).toBe('10 MB');
    expect(formatBytes(5 * 1024 ** 3)).toBe('5 GB');
    expect(formatBytes(150 * 1024 * 1024 + 1)).toBe('150 MB');
  });
});
