import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { DomainError, type ImageType } from '@direct-upload/core';
import {
  avifBytes,
  commentSegment,
  EXIF_MAKE,
  gifBytes,
  gifWithMetadata,
  jpegBytes,
  jpegSegment,
  jpegWithExif,
  pngBytes,
  pngChunk,
  pngWithMetadata,
  riffChunk,
  webpBytes,
  webpChunks,
  webpFile,
  webpWithMetadata,
  withJpegSegments,
  withPngChunks,
} from '../../../test/fixtures/images.js';
import { EXIF_HEADER, orientationOnlyExif, readExifOrientation } from './exif-orientation.js';
import { stripMetadata } from './strip-metadata.js';

const latin1 = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const join = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
const contains = (bytes: Uint8Array, text: string) => Buffer.from(bytes).includes(text, 0, 'latin1');

function strip(bytes: Uint8Array, type: ImageType): Uint8Array {
  const out = stripMetadata(bytes, type);
  if (!out) throw new Error(`${type} was not stripped`);
  return out;
}

/** Decoded pixels as stored (no auto-orientation), every frame of an animation. */
const pixels = (bytes: Uint8Array) => sharp(bytes, { pages: -1 }).raw().toBuffer();

/** Refusal code of stripping malformed bytes; fails the test when it throws anything else. */
function refusal(bytes: Uint8Array, type: ImageType): string {
  try {
    stripMetadata(bytes, type);
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return (error as DomainError).code;
  }
  throw new Error('stripped without complaint');
}

/** The marker segments before the first scan, as [marker, payload]. */
function jpegSegments(jpeg: Uint8Array): Array<[number, Uint8Array]> {
  const out: Array<[number, Uint8Array]> = [];
  for (let at = 2; jpeg[at + 1] !== 0xda; ) {
    const end = at + 2 + ((jpeg[at + 2]! << 8) | jpeg[at + 3]!);
    out.push([jpeg[at + 1]!, jpeg.subarray(at + 4, end)]);
    at = end;
  }
  return out;
}

function pngChunks(png: Uint8Array): Array<[string, Uint8Array]> {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out: Array<[string, Uint8Array]> = [];
  for (let at = 8; at < png.length; ) {
    const length = view.getUint32(at);
    out.push([String.fromCharCode(...png.subarray(at + 4, at + 8)), png.subarray(at + 8, at + 8 + length)]);
    at += 12 + length;
  }
  return out;
}

const orientationOnly = (orientation: number, littleEndian: boolean, withHeader: boolean) =>
  Buffer.from(orientationOnlyExif({ orientation, littleEndian }, withHeader));

describe('stripMetadata', () => {
  describe('JPEG', () => {
    for (const byteOrder of ['II', 'MM'] as const) {
      it(`drops EXIF with GPS, XMP, IPTC and comments, keeping a ${byteOrder} EXIF with only the orientation`, async () => {
        const input = await jpegWithExif({ orientation: 6, gps: true, byteOrder, more: true });
        const before = await sharp(input).metadata();
        expect(before).toMatchObject({ orientation: 6, autoOrient: { width: 20, height: 60 } });
        expect([before.exif, before.xmp, before.iptc].every(Boolean)).toBe(true);
        expect(contains(input, EXIF_MAKE)).toBe(true);

        const output = strip(input, 'image/jpeg');
        const after = await sharp(output).metadata();
        expect(after.exif).toEqual(orientationOnly(6, byteOrder === 'II', true));
        expect(after).toMatchObject({ orientation: 6, autoOrient: { width: 20, height: 60 } });
        expect(after.xmp).toBeUndefined();
        expect(after.iptc).toBeUndefined();
        expect(jpegSegments(output).map(([marker]) => marker)).not.toContain(0xfe);
        expect(contains(output, EXIF_MAKE) || contains(output, 'Jane Roe')).toBe(false);
        expect(await pixels(output)).toEqual(await pixels(input));
        // From the first quantisation table on, the output is the input, byte for byte.
        const body = (jpeg: Uint8Array) => Buffer.from(jpeg).subarray(Buffer.from(jpeg).indexOf(Buffer.from([0xff, 0xdb])));
        expect(body(output)).toEqual(body(input));
      });
    }

    it('drops the EXIF entirely when it has no orientation other than 1', async () => {
      for (const orientation of [1, undefined]) {
        const input = await jpegWithExif({ orientation, gps: true });
        const output = strip(input, 'image/jpeg');
        expect(jpegSegments(output).map(([marker]) => marker)).not.toContain(0xe1);
        expect(output.length).toBeLessThan(input.length);
        expect(await pixels(output)).toEqual(await pixels(input));
      }
    });

    it('keeps JFIF (without its thumbnail), the ICC profile and Adobe; drops MPF and other APPn, and bytes after EOI', async () => {
      const withIcc = new Uint8Array(await sharp(await jpegBytes(32, 24)).withIccProfile('p3').jpeg().toBuffer());
      // JFIF 1.02, no units, 1:1, with a 2x1 RGB thumbnail.
      const jfif = latin1('JFIF\0\x01\x02\x00\x00\x01\x00\x01\x02\x01' + 'abcdef');
      const adobe = latin1('Adobe\x00\x64\x00\x00\x00\x00\x01');
      const input = join(
        withJpegSegments(
          withIcc,
          jpegSegment(0xe0, jfif),
          jpegSegment(0xee, adobe),
          jpegSegment(0xe2, latin1('MPF\0 secondary images')),
          jpegSegment(0xec, latin1('Ducky camera data')),
          jpegSegment(0xeb, latin1('JP jumbf provenance')),
        ),
        latin1('<script>alert(1)</script>'),
      );
      const output = strip(input, 'image/jpeg');
      const kept = jpegSegments(output).filter(([marker]) => marker >= 0xe0 && marker <= 0xef);
      expect(kept.map(([marker]) => marker)).toEqual([0xe0, 0xee, ...jpegSegments(withIcc).filter(([m]) => m === 0xe2).map(() => 0xe2)]);
      expect(Buffer.from(kept[0]![1])).toEqual(Buffer.from(join(jfif.subarray(0, 12), new Uint8Array([0, 0]))));
      expect(Buffer.from(kept[1]![1])).toEqual(Buffer.from(adobe));
      expect([...output.subarray(-2)]).toEqual([0xff, 0xd9]);
      expect((await sharp(output).metadata()).icc).toEqual((await sharp(withIcc).metadata()).icc);
      expect(await pixels(output)).toEqual(await pixels(withIcc));
    });

    it('walks every scan of a progressive JPEG, dropping segments between scans', async () => {
      const stripped = strip(await jpegWithExif({ orientation: 3, more: true, progressive: true }), 'image/jpeg');
      // The second scan header: FF DA cannot occur inside entropy-coded data (0xFF is stuffed as FF 00).
      const secondScan = Buffer.from(stripped).indexOf(Buffer.from([0xff, 0xda]), Buffer.from(stripped).indexOf(Buffer.from([0xff, 0xda])) + 2);
      expect(secondScan).toBeGreaterThan(0);
      const input = join(stripped.subarray(0, secondScan), commentSegment('between scans'), stripped.subarray(secondScan));
      const output = strip(input, 'image/jpeg');
      expect(Buffer.from(output)).toEqual(Buffer.from(stripped));
      expect((await sharp(output).metadata()).orientation).toBe(3);
    });

    it('refuses malformed structure as invalid_image', async () => {
      const jpeg = await jpegWithExif({ orientation: 6 });
      const broken = jpeg.slice();
      broken[2 + 2] = 0; // first segment's length: 1
      broken[2 + 3] = 1;
      for (const bytes of [jpeg.subarray(0, 30), jpeg.subarray(0, -2), jpeg.subarray(2), broken, new Uint8Array(0)]) {
        expect(refusal(bytes, 'image/jpeg')).toBe('invalid_image');
      }
    });
  });

  describe('PNG', () => {
    it('drops eXIf (keeping only a rotation), tEXt, zTXt, iTXt, tIME and private chunks; keeps the rest', async () => {
      const rotated = await pngWithMetadata({ orientation: 6, byteOrder: 'MM' });
      const gama = pngChunk('gAMA', new Uint8Array([0, 0, 0xb1, 0x8f]));
      // A private preview chunk, and bytes after IEND.
      const input = join(withPngChunks(rotated, gama, pngChunk('prVW', latin1('preview'))), latin1('tail'));
      const before = await sharp(input).metadata();
      expect(before).toMatchObject({ orientation: 6, autoOrient: { width: 20, height: 60 } });
      expect(before.xmp && before.comments?.length).toBeTruthy();

      const output = strip(input, 'image/png');
      const chunks = pngChunks(output);
      expect(chunks.map(([type]) => type)).toEqual(pngChunks(await pngBytes(1, 1)).map(([type]) => type).toSpliced(1, 0, 'gAMA', 'eXIf'));
      expect(Buffer.from(chunks.find(([type]) => type === 'gAMA')![1])).toEqual(Buffer.from(gama.subarray(8, 12)));
      const after = await sharp(output).metadata();
      expect(after.exif).toEqual(orientationOnly(6, false, false));
      expect(after).toMatchObject({ orientation: 6, autoOrient: { width: 20, height: 60 } });
      expect(after.xmp).toBeUndefined();
      expect(after.comments).toBeUndefined();
      expect(await pixels(output)).toEqual(await pixels(input));
      expect(Buffer.from(output).subarray(-12)).toEqual(Buffer.from(pngChunk('IEND', new Uint8Array())));
    });

    it('drops eXIf entirely when it has no orientation', async () => {
      const input = await pngWithMetadata();
      const output = strip(input, 'image/png');
      expect(pngChunks(output).map(([type]) => type)).not.toContain('eXIf');
      expect((await sharp(output).metadata()).exif).toBeUndefined();
      expect(await pixels(output)).toEqual(await pixels(input));
    });

    it('refuses malformed structure as invalid_image', async () => {
      const png = await pngWithMetadata();
      const withoutIhdr = join(png.subarray(0, 8), png.subarray(33));
      for (const bytes of [png.subarray(0, 60), png.subarray(0, -12), withoutIhdr, png.subarray(1)]) {
        expect(refusal(bytes, 'image/png')).toBe('invalid_image');
      }
    });
  });

  describe('WebP', () => {
    it('drops EXIF and XMP, keeping only a rotation, and fixes the VP8X flags and the RIFF size', async () => {
      const input = await webpWithMetadata({ orientation: 6 });
      const before = await sharp(input).metadata();
      expect(before).toMatchObject({ orientation: 6, autoOrient: { width: 20, height: 60 } });
      expect(before.xmp).toBeDefined();

      const output = strip(input, 'image/webp');
      const chunks = webpChunks(output);
      expect(chunks.map((c) => c.fourcc)).toEqual(['VP8X', 'VP8 ', 'EXIF']);
      expect(chunks[0]!.chunk[8]).toBe(0x08);
      expect(Buffer.from(chunks[2]!.chunk.subarray(8, 8 + 26))).toEqual(orientationOnly(6, true, false));
      expect(new DataView(output.buffer, output.byteOffset).getUint32(4, true)).toBe(output.length - 8);
      const after = await sharp(output).metadata();
      expect(after).toMatchObject({ orientation: 6, autoOrient: { width: 20, height: 60 } });
      expect(after.xmp).toBeUndefined();
      expect(contains(output, EXIF_MAKE)).toBe(false);
      expect(await pixels(output)).toEqual(await pixels(input));
    });

    it('keeps the "Exif" header style of the block it replaces, as libvips writes it', async () => {
      const rotated = sharp(await webpBytes(30, 10)).withMetadata({ orientation: 8 }).withExif({ IFD0: { Make: EXIF_MAKE } });
      const input = new Uint8Array(await rotated.toBuffer());
      const exif = webpChunks(input).find((c) => c.fourcc === 'EXIF')!.chunk.subarray(8);
      expect([...exif.subarray(0, 6)]).toEqual(EXIF_HEADER);
      const found = readExifOrientation(exif)!;
      expect(found.orientation).toBe(8);

      const output = strip(input, 'image/webp');
      const kept = webpChunks(output).find((c) => c.fourcc === 'EXIF')!.chunk;
      expect(Buffer.from(kept.subarray(8, 8 + 32))).toEqual(orientationOnly(8, found.littleEndian, true));
      expect(await sharp(output).metadata()).toMatchObject({ orientation: 8, autoOrient: { width: 10, height: 30 } });
      expect(await pixels(output)).toEqual(await pixels(input));
    });

    it('drops both chunks and flags when there is no rotation, and an unknown chunk of odd size', async () => {
      const withMetadata = await webpWithMetadata();
      const [vp8x, ...rest] = webpChunks(withMetadata).map((c) => c.chunk);
      const input = webpFile(vp8x!, riffChunk('ABCD', latin1('odd')), ...rest);
      const output = strip(input, 'image/webp');
      expect(webpChunks(output).map((c) => c.fourcc)).toEqual(['VP8X', 'VP8 ']);
      expect(webpChunks(output)[0]!.chunk[8]).toBe(0);
      expect(await pixels(output)).toEqual(await pixels(input));
    });

    it('keeps every frame of an animation', async () => {
      const xmp = '<x:xmpmeta xmlns:x="adobe:ns:meta/"/>';
      const animated = new Uint8Array(await sharp(await gifBytes(12, 8, 3), { pages: -1 }).webp().withXmp(xmp).toBuffer());
      expect(webpChunks(animated).map((c) => c.fourcc)).toContain('XMP ');
      const output = strip(animated, 'image/webp');
      expect(webpChunks(output).map((c) => c.fourcc)).toEqual(['VP8X', 'ANIM', 'ANMF', 'ANMF', 'ANMF']);
      expect((await sharp(output).metadata()).pages).toBe(3);
      expect(await pixels(output)).toEqual(await pixels(animated));
    });

    it('refuses malformed structure as invalid_image', async () => {
      const webp = await webpWithMetadata();
      const overrun = webpFile(riffChunk('VP8X', new Uint8Array(10)), latin1('EXIF\xff\x00\x00\x00'));
      for (const bytes of [webp.subarray(0, -20), webp.subarray(0, 8), overrun]) {
        expect(refusal(bytes, 'image/webp')).toBe('invalid_image');
      }
    });
  });

  describe('GIF', () => {
    it('drops comments and XMP, keeps the loop extension and every frame', async () => {
      const plain = new Uint8Array(await sharp(await gifBytes(16, 10, 3), { pages: -1 }).gif({ loop: 0 }).toBuffer());
      const input = gifWithMetadata(plain);
      expect(contains(input, 'XMP DataXMP') && contains(input, 'Jane Roe')).toBe(true);

      const output = strip(input, 'image/gif');
      expect(Buffer.from(output)).toEqual(Buffer.from(plain));
      expect(contains(output, 'NETSCAPE2.0')).toBe(true);
      expect((await sharp(output).metadata()).pages).toBe(3);
      expect(await pixels(output)).toEqual(await pixels(input));
    });

    it('accepts a file that ends without its trailer, and refuses one cut inside a block', async () => {
      const gif = await gifBytes(16, 10, 2);
      const untrailed = gif.subarray(0, -1);
      expect(stripMetadata(untrailed, 'image/gif')).toBe(untrailed);
      expect(refusal(gif.subarray(0, -4), 'image/gif')).toBe('invalid_image');
      expect(refusal(join(gif.subarray(0, -1), new Uint8Array([0x99])), 'image/gif')).toBe('invalid_image');
      expect(refusal(latin1('GIF89a'), 'image/gif')).toBe('invalid_image');
    });
  });

  it('returns the very same bytes when there is nothing to remove', async () => {
    const samples: Array<[Uint8Array, ImageType]> = [
      [await jpegBytes(30, 20), 'image/jpeg'],
      [new Uint8Array(await sharp(await jpegBytes(30, 20)).jpeg({ progressive: true }).withIccProfile('p3').toBuffer()), 'image/jpeg'],
      [await pngBytes(30, 20), 'image/png'],
      [await webpBytes(30, 20), 'image/webp'],
      [await gifBytes(30, 20, 2), 'image/gif'],
      // Already stripped: an orientation-only EXIF is what stripping keeps.
      [strip(await jpegWithExif({ orientation: 6, gps: true }), 'image/jpeg'), 'image/jpeg'],
      [strip(await pngWithMetadata({ orientation: 5 }), 'image/png'), 'image/png'],
      [strip(await webpWithMetadata({ orientation: 7 }), 'image/webp'), 'image/webp'],
    ];
    for (const [bytes, type] of samples) expect(stripMetadata(bytes, type)).toBe(bytes);
  });

  it('leaves AVIF to the caller', async () => {
    expect(stripMetadata(await avifBytes(8, 8), 'image/avif')).toBeNull();
  });
});
