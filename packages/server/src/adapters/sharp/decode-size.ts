// The size at which one decode of an image serves its placeholder and every variant, or none when that would hold too much memory.
import type { VariantSpec } from '@direct-upload/core';

export interface Size {
  width: number;
  height: number;
}

/**
 * Kept decodes are raw pixels (up to 4 bytes each) held for the whole job: 8 Mi pixels is at most
 * 32 MiB per job. A 2560-pixel variant of a 24-megapixel photo needs 4.4 M; a larger need (a variant
 * as big as a large original) decodes once per variant instead, streaming, as libvips does by itself.
 */
export const MAX_KEPT_PIXELS = 8 * 1024 * 1024;

/** Side of the box the placeholder's thumbnail fits in: enough for a stable dominant colour. */
export const PLACEHOLDER_SIDE = 32;

/**
 * The smallest upright size, in the image's proportions, from which each variant comes out as if
 * made from the whole image (scaled down, never up) and the placeholder's `placeholderSide` box can
 * be filled; null above `maxPixels`. `shown` is the image's upright size.
 */
export function keptDecodeSize(shown: Size, variants: readonly VariantSpec[], placeholderSide: number, maxPixels = MAX_KEPT_PIXELS): Size | null {
  let scale = placeholderSide / Math.max(shown.width, shown.height);
  for (const spec of variants) {
    const x = spec.width / shown.width;
    const y = spec.height / shown.height;
    // `inside` scales until both sides fit; `cover` until both are covered, then crops.
    scale = Math.max(scale, spec.fit === 'inside' ? Math.min(x, y) : Math.max(x, y));
  }
  if (scale >= 1) return shown.width * shown.height <= maxPixels ? { ...shown } : null;
  // Rounded up on both sides, so a resize to fit inside this box never falls a pixel short of the scale.
  const size = { width: Math.max(1, Math.ceil(shown.width * scale)), height: Math.max(1, Math.ceil(shown.height * scale)) };
  return size.width * size.height <= maxPixels ? size : null;
}
