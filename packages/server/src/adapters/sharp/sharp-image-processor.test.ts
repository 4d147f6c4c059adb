import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { DomainError, type ImageType, type ProcessedVariant, type ProcessOptions, type VariantSpec } from '@direct-upload/core';
import {
  animatedGif,
  avifBytes,
  avifWithExif,
  EXIF_MAKE,
  gifBytes,
  gifWithCorruptLastFrame,
  gifWithMetadata,
  htmlBytes,
  jpegBytes,
  jpegPixelBomb,
  jpegWithExif,
  pngBytes,
  pngPixelBomb,
  pngWithMetadata,
  solidPng,
  svgBytes,
  tiffBytes,
  truncated,
  webpBytes,
  webpWithMetadata,
} from '../../../test/fixtures/images.js';
import { orientationOnlyExif } from './exif-orientation.js';
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

describe('SharpImageProcessor.process', () => {
  const VARIANTS: VariantSpec[] = [
    { name: 'thumb', width: 64, height: 64, fit: 'cover', format: 'webp' },
    { name: 'medium', width: 200, height: 200, fit: 'inside', format: 'jpeg' },
    { name: 'large', width: 1000, height: 1000, fit: 'inside', format: 'avif' },
    { name: 'banner', width: 500, height: 100, fit: 'cover', format: 'png' },
  ];
  const SHARP_FORMAT = { webp: 'webp', jpeg: 'jpeg', avif: 'heif', png: 'png' } as const;
  const process = (bytes: Uint8Array, options: Partial<ProcessOptions> = {}) =>
    processor.process(bytes, { maxPixels: MAX_PIXELS, maxFrames: 50, variants: VARIANTS, ...options });

  async function processRefusal(bytes: Uint8Array, options: Partial<ProcessOptions> = {}): Promise<string> {
    const error = await process(bytes, options).then(
      (result) => ({ resolved: result.info }),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DomainError);
    return (error as DomainError).code;
  }

  /** Decoded pixels as stored, without auto-orientation. */
  const pixels = (bytes: Uint8Array) => sharp(bytes).raw().toBuffer();

  async function colourAt(bytes: Uint8Array, x: number, y: number): Promise<number[]> {
    const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
    const at = (y * info.width + x) * info.channels;
    return [...data.subarray(at, at + 3)];
  }
  const RED = [255, 0, 0];
  const BLUE = [0, 0, 255];
  const near = (actual: number[], expected: number[], tolerance = 40) => actual.every((v, i) => Math.abs(v - expected[i]!) <= tolerance);

  describe('variants', () => {
    it('have the configured sizes and formats, in spec order, and are never enlarged', async () => {
      const { info, variants } = await process(await jpegBytes(400, 300));
      expect(info).toEqual({ type: 'image/jpeg', width: 400, height: 300 });
      expect(variants.map(({ name, contentType, width, height }) => ({ name, contentType, width, height }))).toEqual([
        { name: 'thumb', contentType: 'image/webp', width: 64, height: 64 },
        { name: 'medium', contentType: 'image/jpeg', width: 200, height: 150 },
        // Larger than the original: kept at its size.
        { name: 'large', contentType: 'image/avif', width: 400, height: 300 },
        // Cover, wider than the original: cropped to its width.
        { name: 'banner', contentType: 'image/png', width: 400, height: 100 },
      ]);
      for (const [i, variant] of variants.entries()) {
        expect(await sharp(variant.bytes).metadata()).toMatchObject({
          format: SHARP_FORMAT[VARIANTS[i]!.format],
          width: variant.width,
          height: variant.height,
        });
      }
    });

    // The fixture is 60x20, left half red, right half blue.
    for (const [orientation, top, bottom] of [
      [6, RED, BLUE], // rotate 90° clockwise: the left edge goes to the top
      [8, BLUE, RED], // rotate 90° counter-clockwise
    ] as const) {
      it(`are upright for an EXIF orientation of ${orientation}, as is the reported size`, async () => {
        const specs: VariantSpec[] = [
          { name: 'whole', width: 100, height: 100, fit: 'inside', format: 'png' },
          { name: 'half', width: 10, height: 30, fit: 'inside', format: 'webp' },
        ];
        const { info, variants } = await process(await jpegWithExif({ orientation }), { variants: specs });
        expect(info).toEqual({ type: 'image/jpeg', width: 20, height: 60 });
        expect(variants.map((v) => [v.width, v.height])).toEqual([
          [20, 60],
          [10, 30],
        ]);
        for (const variant of variants) {
          expect(near(await colourAt(variant.bytes, variant.width / 2, 2), top)).toBe(true);
          expect(near(await colourAt(variant.bytes, variant.width / 2, variant.height - 3), bottom)).toBe(true);
        }
      });
    }

    it('carry no EXIF, XMP, IPTC, comments or ICC profile', async () => {
      const sources = [
        await jpegWithExif({ orientation: 6, gps: true, more: true }),
        new Uint8Array(await sharp(await jpegWithExif({ gps: true, more: true })).keepMetadata().withIccProfile('p3').toBuffer()),
        await pngWithMetadata({ orientation: 3 }),
        await webpWithMetadata(),
        await avifWithExif(),
      ];
      expect((await sharp(sources[1]!).metadata()).icc).toBeDefined();
      for (const source of sources) {
        for (const variant of (await process(source)).variants) {
          const metadata = await sharp(variant.bytes).metadata();
          expect({ exif: metadata.exif, xmp: metadata.xmp, iptc: metadata.iptc, icc: metadata.icc, comments: metadata.comments }).toEqual({
            exif: undefined,
            xmp: undefined,
            iptc: undefined,
            icc: undefined,
            comments: undefined,
          });
          expect(Buffer.from(variant.bytes).includes(EXIF_MAKE)).toBe(false);
        }
      }
    });
  });

  describe('made from the one decode that verified the image', () => {
    /** Smooth gradients with a hard edge: what resampling twice could blur, shift or tint. */
    async function scene(width: number, height: number, channels: 3 | 4): Promise<Buffer> {
      const raw = Buffer.alloc(width * height * channels);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const at = (y * width + x) * channels;
          raw[at] = x < width / 3 ? 230 : Math.round((255 * x) / width);
          raw[at + 1] = Math.round((255 * y) / height);
          raw[at + 2] = x < width / 3 ? 40 : 255 - Math.round((255 * y) / height);
          if (channels === 4) raw[at + 3] = y < height / 2 ? 255 : 96;
        }
      }
      return sharp(raw, { raw: { width, height, channels } }).png().toBuffer();
    }
    const SPECS: VariantSpec[] = [
      { name: 'thumb', width: 64, height: 64, fit: 'cover', format: 'png' },
      { name: 'banner', width: 300, height: 40, fit: 'cover', format: 'png' },
      { name: 'medium', width: 250, height: 250, fit: 'inside', format: 'png' },
      { name: 'flat', width: 120, height: 120, fit: 'inside', format: 'jpeg' },
    ];
    /** The straightforward way: each variant its own pipeline from the file. */
    async function fromFile(bytes: Uint8Array, spec: VariantSpec) {
      let image = sharp(bytes).rotate().resize({ width: spec.width, height: spec.height, fit: spec.fit, withoutEnlargement: true });
      if (spec.format === 'jpeg') image = image.flatten({ background: '#ffffff' });
      return image.raw().toBuffer({ resolveWithObject: true });
    }

    /** Size and channels of a variant, and its mean difference per channel value from the same variant made from the file. */
    async function compared(variant: ProcessedVariant, bytes: Uint8Array, spec: VariantSpec) {
      const made = await sharp(variant.bytes).raw().toBuffer({ resolveWithObject: true });
      const expected = await fromFile(bytes, spec);
      const shape = (info: { width: number; height: number; channels: number }) => ({ width: info.width, height: info.height, channels: info.channels });
      expect(shape(made.info), spec.name).toEqual(shape(expected.info));
      let difference = 0;
      for (let k = 0; k < made.data.length; k++) difference += Math.abs(made.data[k]! - expected.data[k]!);
      return difference / made.data.length;
    }

    it('look like variants made each from the file: same size, upright, colour-managed, transparency kept', async () => {
      const png = await scene(900, 600, 3);
      const sources: Record<string, Uint8Array> = {
        'a JPEG turned by EXIF': await jpegWithExif({ orientation: 6, width: 900, height: 600 }),
        'a Display P3 JPEG': new Uint8Array(await sharp(png).withIccProfile('p3').jpeg({ quality: 95 }).toBuffer()),
        'a CMYK JPEG': new Uint8Array(await sharp(png).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer()),
        'a 16-bit PNG': new Uint8Array(await sharp(png).toColourspace('rgb16').png().toBuffer()),
        'a half-transparent PNG': new Uint8Array(await scene(900, 600, 4)),
      };
      // Each source is what its name says, so that each path of the conversion is covered.
      const described = async (bytes: Uint8Array) => {
        const { orientation, icc, space, depth, hasAlpha } = await sharp(bytes).metadata();
        return { orientation, icc: icc !== undefined, space, depth, hasAlpha };
      };
      expect(await Promise.all(Object.values(sources).map(described))).toEqual([
        { orientation: 6, icc: false, space: 'srgb', depth: 'uchar', hasAlpha: false },
        { orientation: undefined, icc: true, space: 'srgb', depth: 'uchar', hasAlpha: false },
        { orientation: undefined, icc: false, space: 'cmyk', depth: 'uchar', hasAlpha: false },
        { orientation: undefined, icc: false, space: 'rgb16', depth: 'ushort', hasAlpha: false },
        { orientation: undefined, icc: false, space: 'srgb', depth: 'uchar', hasAlpha: true },
      ]);
      for (const [name, bytes] of Object.entries(sources)) {
        const { variants } = await process(bytes, { variants: SPECS });
        // Measured 0.0-1.3 per channel value: resampling twice, and the JPEG variant's own loss.
        for (const [i, variant] of variants.entries()) expect(await compared(variant, bytes, SPECS[i]!), `${name}, ${variant.name}`).toBeLessThan(2.5);
      }
    });

    it('or, when their pixels would be too many to keep, each from the file, exactly so', async () => {
      const bytes = new Uint8Array(await sharp(await scene(600, 400, 3)).jpeg({ quality: 95 }).toBuffer());
      const keeping = await process(bytes, { variants: SPECS });
      const notKeeping = await new SharpImageProcessor({ maxKeptPixels: 1 }).process(bytes, { maxPixels: MAX_PIXELS, maxFrames: 50, variants: SPECS });
      expect(notKeeping.variants.map((v) => [v.name, v.width, v.height])).toEqual(keeping.variants.map((v) => [v.name, v.width, v.height]));
      // The lossless variants are the file's own pipelines, pixel for pixel; the JPEG one adds its loss.
      expect(await Promise.all(notKeeping.variants.map((v, i) => compared(v, bytes, SPECS[i]!).then((d) => (SPECS[i]!.format === 'png' ? d : d < 2.5))))).toEqual([0, 0, 0, true]);
      expect(notKeeping.placeholder).toBe(keeping.placeholder);
    });
  });

  describe('the served original', () => {
    it('of a GPS-tagged JPEG has no EXIF but its orientation, no XMP or IPTC, and identical pixels', async () => {
      const input = await jpegWithExif({ orientation: 6, gps: true, more: true, byteOrder: 'MM' });
      const { original, info } = await process(input);
      const metadata = await sharp(original).metadata();
      expect(metadata.exif).toEqual(Buffer.from(orientationOnlyExif({ orientation: 6, littleEndian: false }, true)));
      expect(metadata).toMatchObject({ orientation: 6, autoOrient: { width: info.width, height: info.height } });
      expect(metadata.xmp).toBeUndefined();
      expect(metadata.iptc).toBeUndefined();
      expect(await pixels(original)).toEqual(await pixels(input));
    });

    for (const [name, make] of [
      ['PNG with eXIf, tEXt, zTXt, iTXt and tIME', () => pngWithMetadata({ orientation: 6, gps: true })],
      ['WebP with EXIF and XMP', () => webpWithMetadata({ orientation: 6, gps: true })],
    ] as const) {
      it(`of a ${name} keeps only the orientation, with identical pixels`, async () => {
        const input = await make();
        const { original, info } = await process(input);
        expect(info).toMatchObject({ width: 20, height: 60 });
        const metadata = await sharp(original).metadata();
        expect(metadata.exif).toEqual(Buffer.from(orientationOnlyExif({ orientation: 6, littleEndian: true }, false)));
        expect(metadata.orientation).toBe(6);
        expect(metadata.xmp).toBeUndefined();
        expect(metadata.comments).toBeUndefined();
        expect(await pixels(original)).toEqual(await pixels(input));
      });
    }

    it('of an animated GIF has no comment or XMP, and every frame', async () => {
      const plain = new Uint8Array(await sharp(await gifBytes(16, 10, 3), { pages: -1 }).gif({ loop: 0 }).toBuffer());
      const { original } = await process(gifWithMetadata(plain));
      expect(Buffer.from(original)).toEqual(Buffer.from(plain));
    });

    it('is byte-for-byte the upload when that carries no metadata', async () => {
      for (const bytes of [
        await jpegBytes(40, 30),
        await pngBytes(40, 30),
        await webpBytes(40, 30),
        await gifBytes(40, 30, 3),
        await avifBytes(40, 30),
      ]) {
        expect(Buffer.from((await process(bytes)).original)).toEqual(Buffer.from(bytes));
      }
    });

    it('of an AVIF with EXIF is re-encoded without it, at the size it is shown at', async () => {
      const input = await avifWithExif(32, 16);
      expect((await sharp(input).metadata()).exif).toBeDefined();
      const { original, info } = await process(input);
      expect(info).toEqual({ type: 'image/avif', width: 32, height: 16 });
      const metadata = await sharp(original).metadata();
      expect(metadata).toMatchObject({ format: 'heif', compression: 'av1', width: 32, height: 16 });
      expect(metadata.exif).toBeUndefined();
      expect(metadata.xmp).toBeUndefined();
      expect(Buffer.from(original).includes(EXIF_MAKE)).toBe(false);
      expect(near(await colourAt(original, 4, 8), RED) && near(await colourAt(original, 28, 8), BLUE)).toBe(true);
    });
  });

  it('gives as placeholder a #rrggbb colour close to that of a solid image', async () => {
    const { placeholder } = await process(await solidPng(40, 30, '#3366cc'));
    expect(placeholder).toMatch(/^#[0-9a-f]{6}$/);
    const channels = [1, 3, 5].map((i) => parseInt(placeholder.slice(i, i + 2), 16));
    // The dominant colour is the centre of a 16-level bin of each channel.
    expect(near(channels, [0x33, 0x66, 0xcc], 8)).toBe(true);
  });

  describe('animations', () => {
    it('are refused as image_too_large with more frames than maxFrames (a frame bomb)', async () => {
      const gif = await animatedGif(6);
      expect(await processRefusal(gif, { maxFrames: 5 })).toBe('image_too_large');
      expect((await process(gif, { maxFrames: 6 })).info).toEqual({ type: 'image/gif', width: 8, height: 8 });
    });

    it('are refused as image_too_large when their frames together exceed maxPixels', async () => {
      const gif = await gifBytes(20, 20, 4);
      expect(await processRefusal(gif, { maxPixels: 20 * 20 * 4 - 1 })).toBe('image_too_large');
      expect((await process(gif, { maxPixels: 20 * 20 * 4 })).info).toMatchObject({ width: 20, height: 20 });
      // inspect looks at the first frame only.
      expect(await inspect(gif, 20 * 20)).toMatchObject({ width: 20, height: 20 });
    });

    it('are refused as invalid_image when a later frame does not decode', async () => {
      const gif = await gifWithCorruptLastFrame(64, 48, 3);
      // inspect decodes the first frame only.
      expect(await inspect(gif)).toMatchObject({ width: 64, height: 48 });
      expect(await processRefusal(gif)).toBe('invalid_image');
      expect((await process(await gifBytes(64, 48, 3))).info).toMatchObject({ width: 64, height: 48 });
    });

    it('give still variants of the first frame', async () => {
      const { variants } = await process(await gifBytes(40, 30, 3));
      for (const variant of variants) expect((await sharp(variant.bytes).metadata()).pages ?? 1).toBe(1);
      expect(variants[0]).toMatchObject({ width: 40, height: 30 });
    });
  });

  describe('refuses like inspect', () => {
    it('a pixel bomb as image_too_large', async () => {
      expect(await processRefusal(await pngPixelBomb(64250, 64250))).toBe('image_too_large');
      expect(await processRefusal(await jpegPixelBomb(64250, 64250))).toBe('image_too_large');
    });

    it('truncated images, TIFF, SVG and HTML (whatever they are named) as invalid_image', async () => {
      for (const generate of Object.values(generators)) expect(await processRefusal(truncated(await generate(64, 48)))).toBe('invalid_image');
      for (const bytes of [await tiffBytes(), svgBytes(), htmlBytes()]) expect(await processRefusal(bytes)).toBe('invalid_image');
    });
  });

  it('rejects with the reason of an aborted signal', async () => {
    const reason = new Error('gone');
    await expect(process(await pngBytes(4, 4), { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    const controller = new AbortController();
    const pending = process(await jpegBytes(2000, 1500), { signal: controller.signal });
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });

  it('refuses limits and variant sizes that are not positive integers as programming errors', async () => {
    const png = await pngBytes(2, 2);
    await expect(process(png, { maxFrames: 0 })).rejects.toBeInstanceOf(RangeError);
    await expect(process(png, { variants: [{ name: 'x', width: 0, height: 10, fit: 'cover', format: 'webp' }] })).rejects.toBeInstanceOf(RangeError);
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
