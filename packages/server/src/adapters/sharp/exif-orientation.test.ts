import { describe, expect, it } from 'vitest';
import { exifBlock } from '../../../test/fixtures/images.js';
import { EXIF_HEADER, orientationOnlyExif, readExifOrientation } from './exif-orientation.js';

describe('readExifOrientation', () => {
  it('reads the Orientation of IFD0 in either byte order, with or without the Exif header', () => {
    for (const byteOrder of ['II', 'MM'] as const) {
      const block = exifBlock({ orientation: 6, gps: true, byteOrder });
      const expected = { orientation: 6, littleEndian: byteOrder === 'II' };
      expect(readExifOrientation(block)).toEqual(expected);
      expect(readExifOrientation(new Uint8Array([...EXIF_HEADER, ...block]))).toEqual(expected);
    }
  });

  it('is undefined without the tag, with a value outside 1-8, or when the block is damaged', () => {
    expect(readExifOrientation(exifBlock({ gps: true }))).toBeUndefined();
    expect(readExifOrientation(exifBlock({ orientation: 9 }))).toBeUndefined();
    const block = exifBlock({ orientation: 3 });
    expect(readExifOrientation(block.subarray(0, 20))).toBeUndefined(); // IFD0 cut short
    expect(readExifOrientation(new Uint8Array([0x49, 0x49, 43, 0, 8, 0, 0, 0]))).toBeUndefined(); // not TIFF
    expect(readExifOrientation(new Uint8Array(0))).toBeUndefined();
  });
});

describe('orientationOnlyExif', () => {
  it('writes a TIFF header and a one-entry IFD0 (tag 0x0112, SHORT, count 1) in the given byte order', () => {
    expect([...orientationOnlyExif({ orientation: 6, littleEndian: true }, false)]).toEqual([
      0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00,
      0x01, 0x00,
      0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00,
    ]);
    expect([...orientationOnlyExif({ orientation: 8, littleEndian: false }, true)]).toEqual([
      0x45, 0x78, 0x69, 0x66, 0x00, 0x00,
      0x4d, 0x4d, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08,
      0x00, 0x01,
      0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x08, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00,
    ]);
  });

  it('reads back as what it was written with', () => {
    for (let orientation = 1; orientation <= 8; orientation++) {
      for (const littleEndian of [true, false]) {
        expect(readExifOrientation(orientationOnlyExif({ orientation, littleEndian }, littleEndian))).toEqual({ orientation, littleEndian });
      }
    }
  });

  it('refuses an orientation outside 1-8', () => {
    expect(() => orientationOnlyExif({ orientation: 0, littleEndian: true }, false)).toThrow(RangeError);
  });
});
