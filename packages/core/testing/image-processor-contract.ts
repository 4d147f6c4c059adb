// Contract of the ImageProcessor port, over samples the adapter must recognise.
import { describe, expect, it } from 'vitest';
import type { ImageInfo, ImageProcessor } from '../src/index.js';

export interface ImageSamples {
  valid: Array<{ bytes: Uint8Array } & ImageInfo>;
  /** Bytes that are not a decodable image of an accepted type. */
  invalid: Uint8Array[];
  /** A tiny file whose header claims a canvas of width x height. */
  bomb: { bytes: Uint8Array; width: number; height: number };
}

export function describeImageProcessorContract(name: string, processor: ImageProcessor, samples: () => Promise<ImageSamples>): void {
  describe(`ImageProcessor contract: ${name}`, () => {
    it('reports type and dimensions of valid images, accepting exactly maxPixels', async () => {
      for (const { bytes, ...info } of (await samples()).valid) {
        expect(await processor.inspect(bytes, { maxPixels: info.width * info.height })).toEqual(info);
        await expect(processor.inspect(bytes, { maxPixels: info.width * info.height - 1 })).rejects.toMatchObject({ code: 'image_too_large' });
      }
    });

    it('refuses what is not a valid image with invalid_image', async () => {
      for (const bytes of (await samples()).invalid) {
        await expect(processor.inspect(bytes, { maxPixels: 1e8 })).rejects.toMatchObject({ code: 'invalid_image' });
      }
    });

    it('refuses a pixel bomb from its header', async () => {
      const { bomb } = await samples();
      await expect(processor.inspect(bomb.bytes, { maxPixels: bomb.width * bomb.height - 1 })).rejects.toMatchObject({
        code: 'image_too_large',
      });
    });

    it('stops when its signal is already aborted', async () => {
      const { valid } = await samples();
      const controller = new AbortController();
      controller.abort(new Error('cancelled'));
      await expect(processor.inspect(valid[0]!.bytes, { maxPixels: 1e8, signal: controller.signal })).rejects.toThrow('cancelled');
    });
  });
}
