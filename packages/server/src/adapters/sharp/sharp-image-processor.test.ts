import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { DomainError, type ImageType } from '@direct-upload/core';
import {
  avifBytes,
  gifBytes,
  htmlBytes,
  jpegBytes,
  jpegPixelBomb,
  pngBytes,
  pngPixelBomb,
  svgBytes,
  tiffBytes,
  truncated,
  webpBytes,
} from '../../../test/fixtures/images.js';
import { SharpImageProcessor } from './sharp-image-processor.js';
import { describeImageProcessorContract } from '@direct-upload/core/testing';

const processor = new SharpImageProcessor();
const MAX_PIXELS = 40_000_000;
const inspect = (bytes: Uint8Array, maxPixels = MAX_PIXELS) => processor.inspect(bytes, { maxPixels });

/** The DomainError code the inspection fails with; fails the test when it throws anything else. */
async function refusal(bytes: Uint8Array, maxPixels = MAX_PIXELS): Promise<string> {
  const error = await inspect(bytes, maxPixels).then(
    (info) => ({ resolved: info }),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return (error as DomainError).code;
}

const generators: Record<ImageType, (w: number, h: number) => Promise<Uint8Array>> = {
  'image/jpeg': jpegBytes,
  'image/png': pngBytes,
  'image/webp': webpBytes,
  'image/gif': gifBytes,
  'image/avif': avifBytes,
};

describe('SharpImageProcessor', () => {
  describe('accepts', () => {
    for (const [type, generate] of Object.entries(generators)) {
      it(`${type}, with its size`, async () => {
        expect(await inspect(await generate(37, 23))).toEqual({ type, width: 37, height: 23 });
      });
    }

    it('an animated GIF, as the size of one frame', async () => {
      expect(await inspect(await gifBytes(16, 10, 3))).toEqual({ type: 'image/gif', width: 16, height: 10 });
    });

    it('a JPEG rotated by EXIF, as the size it is shown at', async () => {
      const rotated = await sharp(await jpegBytes(30, 10)).withMetadata({ orientation: 6 }).toBuffer();
      expect(await inspect(rotated)).toEqual({ type: 'image/jpeg', width: 10, height: 30 });
    });

    it('an image with exactly maxPixels pixels, and refuses one pixel less', async () => {
      const png = await pngBytes(30, 20);
      expect(await inspect(png, 600)).toMatchObject({ width: 30, height: 20 });
      expect(await refusal(png, 599)).toBe('image_too_large');
    });

    it('bytes inside a larger buffer', async () => {
      const png = await pngBytes(5, 4);
      const padded = new Uint8Array(png.byteLength + 20);
      padded.set(png, 10);
      expect(await inspect(padded.subarray(10, 10 + png.byteLength))).toEqual({ type: 'image/png', width: 5, height: 4 });
    });
  });

  describe('refuses as invalid_image', () => {
    it('HTML, an SVG with script, a TIFF, random and empty bytes', async () => {
      const random = new Uint8Array(4096).map((_, i) => (i * 131 + 7) % 251);
      for (const bytes of [htmlBytes(), svgBytes(), await tiffBytes(), random, new Uint8Array(0)]) {
        expect(await refusal(bytes)).toBe('invalid_image');
      }
    });

    it('a TIFF and an SVG without even parsing them: their loaders are blocked process-wide', async () => {
      const tiff = await tiffBytes();
      const svg = svgBytes();
      for (const bytes of [tiff, svg]) await expect(sharp(bytes).metadata()).rejects.toThrow(/unsupported image format/);
      // The fixtures are real images that libvips opens once their loaders are allowed again.
      const loaders = ['VipsForeignLoadTiffBuffer', 'VipsForeignLoadSvgBuffer'];
      sharp.unblock({ operation: loaders });
      try {
        expect((await sharp(tiff).metadata()).format).toBe('tiff');
        expect((await sharp(svg).metadata()).format).toBe('svg');
      } finally {
        sharp.block({ operation: loaders });
      }
    });

    for (const [type, generate] of Object.entries(generators)) {
      it(`a truncated ${type}`, async () => {
        const bytes = await generate(64, 48);
        expect(await refusal(truncated(bytes))).toBe('invalid_image');
        expect(await refusal(truncated(bytes, 0.9))).toBe('invalid_image');
      });
    }

    it('a JPEG or PNG missing only the last byte of its pixel data', async () => {
      const jpeg = await jpegBytes(64, 48);
      const png = await pngBytes(64, 48);
      expect([...jpeg.slice(-2)]).toEqual([0xff, 0xd9]);
      expect(Buffer.from(png.slice(-8, -4)).toString('latin1')).toBe('IEND');
      // EOI (2 bytes) and one byte of entropy-coded data.
      expect(await refusal(jpeg.slice(0, -3))).toBe('invalid_image');
      // IEND (12 bytes), the IDAT CRC (4) and one byte of compressed data.
      expect(await refusal(png.slice(0, -17))).toBe('invalid_image');
    });
  });

  describe('refuses pixel bombs as image_too_large from the header alone', () => {
    for (const [name, make] of [
      ['PNG 64250x64250', () => pngPixelBomb(64250, 64250)],
      ['PNG 20000x20000', () => pngPixelBomb(20000, 20000)],
      ['JPEG 64250x64250', () => jpegPixelBomb(64250, 64250)],
    ] as const) {
      it(name, async () => {
        const bomb = await make();
        expect(bomb.byteLength).toBeLessThan(1000);
        expect(await refusal(bomb)).toBe('image_too_large');
      });
    }

    it('while the same bytes, allowed by the pixel limit, fail to decode', async () => {
      // The bomb holds one pixel of data: a decode attempt would answer invalid_image, so
      // image_too_large above can only come from the header check.
      const bomb = await pngPixelBomb(20000, 20000);
      expect(await refusal(bomb, 20000 * 20000)).toBe('invalid_image');
    });
  });

  describe('aborting', () => {
    it('rejects at once with the reason of an already aborted signal', async () => {
      const reason = new Error('gone');
      await expect(processor.inspect(await pngBytes(4, 4), { maxPixels: MAX_PIXELS, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    });

    it('rejects with the reason when the signal aborts during the decode', async () => {
      const bytes = await jpegBytes(2000, 1500);
      const controller = new AbortController();
      const reason = new Error('client disconnected');
      const pending = processor.inspect(bytes, { maxPixels: MAX_PIXELS, signal: controller.signal });
      controller.abort(reason);
      await expect(pending).rejects.toBe(reason);
    });

    it('is unaffected by a signal that does not abort', async () => {
      const signal = new AbortController().signal;
      expect(await processor.inspect(await webpBytes(9, 7), { maxPixels: MAX_PIXELS, signal })).toEqual({ type: 'image/webp', width: 9, height: 7 });
    });
  });

  it('refuses a maxPixels that is not a positive integer as a programming error', async () => {
    await expect(inspect(await pngBytes(2, 2), 0)).rejects.toBeInstanceOf(RangeError);
  });
});

describeImageProcessorContract('SharpImageProcessor', processor, async () => ({
  valid: [
    { bytes: await pngBytes(30, 20), type: 'image/png', width: 30, height: 20 },
    { bytes: await jpegBytes(17, 9), type: 'image/jpeg', width: 17, height: 9 },
    { bytes: await webpBytes(8, 8), type: 'image/webp', width: 8, height: 8 },
    { bytes: await gifBytes(5, 7), type: 'image/gif', width: 5, height: 7 },
    { bytes: await avifBytes(16, 16), type: 'image/avif', width: 16, height: 16 },
  ],
  invalid: [htmlBytes(), svgBytes(), await tiffBytes(), truncated(await pngBytes(200, 200))],
  bomb: { bytes: await pngPixelBomb(64_250, 64_250), width: 64_250, height: 64_250 },
}));

describe('the libvips build', () => {
  it('is at least the release that fixes the known decoder advisories (sharp >= 0.35.0)', () => {
    const [major, minor] = sharp.versions.sharp.split('.').map(Number);
    expect(major! > 0 || minor! >= 35).toBe(true);
  });
});
