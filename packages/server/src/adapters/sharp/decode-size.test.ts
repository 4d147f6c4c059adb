import { describe, expect, it } from 'vitest';
import type { VariantSpec } from '@direct-upload/core';
import { keptDecodeSize } from './decode-size.js';

const spec = (width: number, height: number, fit: VariantSpec['fit']): VariantSpec => ({ name: `${width}x${height}`, width, height, fit, format: 'webp' });
const DEFAULTS = [spec(256, 256, 'cover'), spec(1280, 1280, 'inside')];

describe('keptDecodeSize', () => {
  it('is the box the largest variant needs, rounded up: 1280 inside of a 6000x4000 photo', () => {
    expect(keptDecodeSize({ width: 6000, height: 4000 }, DEFAULTS, 32)).toEqual({ width: 1280, height: 854 });
    expect(keptDecodeSize({ width: 4000, height: 6000 }, DEFAULTS, 32)).toEqual({ width: 854, height: 1280 });
  });

  it('takes a cover variant by its shorter side, which it must still fill', () => {
    // 300x300 cover of 6000x1000: scaled to 1800x300, then cropped.
    expect(keptDecodeSize({ width: 6000, height: 1000 }, [spec(300, 300, 'cover'), spec(500, 500, 'inside')], 32)).toEqual({ width: 1800, height: 300 });
  });

  it('is the placeholder box alone without variants', () => {
    expect(keptDecodeSize({ width: 6000, height: 4000 }, [], 32)).toEqual({ width: 32, height: 22 });
  });

  it('is the whole image when a variant is as large (variants are never enlarged)', () => {
    expect(keptDecodeSize({ width: 400, height: 300 }, [spec(1000, 1000, 'inside')], 32)).toEqual({ width: 400, height: 300 });
    expect(keptDecodeSize({ width: 400, height: 300 }, [spec(500, 100, 'cover')], 32)).toEqual({ width: 400, height: 300 });
  });

  it('is null when it would hold more pixels than allowed', () => {
    expect(keptDecodeSize({ width: 4000, height: 3000 }, [spec(4000, 4000, 'inside')], 32)).toBeNull();
    expect(keptDecodeSize({ width: 4000, height: 3000 }, [spec(3000, 3000, 'inside')], 32, 9_000_000)).toEqual({ width: 3000, height: 2250 });
    expect(keptDecodeSize({ width: 4000, height: 3000 }, [spec(3000, 3000, 'inside')], 32, 6_000_000)).toBeNull();
    expect(keptDecodeSize({ width: 3000, height: 3000 }, [], 32)).toEqual({ width: 32, height: 32 });
    expect(keptDecodeSize({ width: 3000, height: 3000 }, [spec(3000, 3000, 'cover')], 32)).toBeNull(); // 9 M > MAX_KEPT_PIXELS
  });

  it('is never below one pixel on a side', () => {
    expect(keptDecodeSize({ width: 20_000, height: 10 }, [], 32)).toEqual({ width: 32, height: 1 });
  });
});
