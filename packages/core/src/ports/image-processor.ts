// ImageProcessor port: decodes untrusted bytes within limits, and makes the copies that are served.
import type { ImageType } from '../domain/image-types.js';

export interface ImageInfo {
  type: ImageType;
  width: number;
  height: number;
}

export interface InspectOptions {
  maxPixels: number;
  signal?: AbortSignal;
}

export type VariantFit = 'cover' | 'inside';
export type VariantFormat = 'webp' | 'jpeg' | 'avif' | 'png';

/** One configured derived copy, e.g. `thumb=256x256:cover:webp`. */
export interface VariantSpec {
  name: string;
  width: number;
  height: number;
  fit: VariantFit;
  format: VariantFormat;
}

export interface ProcessOptions extends InspectOptions {
  /** Animated images with more frames than this are refused (`image_too_large`). */
  maxFrames: number;
  variants: readonly VariantSpec[];
}

export interface ProcessedVariant {
  name: string;
  bytes: Uint8Array;
  contentType: string;
  width: number;
  height: number;
}

export interface ProcessedImage {
  /** Type and displayed (auto-oriented) size of the original. */
  info: ImageInfo;
  /**
   * The original with identifying metadata (EXIF other than orientation, GPS, XMP, IPTC, comments)
   * removed and its pixels untouched; the very same bytes when it carried none.
   */
  original: Uint8Array;
  /** Auto-oriented, metadata-free copies, in the order of the specs. */
  variants: ProcessedVariant[];
  /** A tiny stand-in for progressive display (CSS colour, e.g. `#a1b2c3`). */
  placeholder: string;
}

export interface ImageProcessor {
  /**
   * Fully decodes the image. Throws DomainError `image_too_large` when its dimensions exceed
   * `maxPixels` (checked from the header, before decoding) and `invalid_image` when it does not decode.
   */
  inspect(bytes: Uint8Array, options: InspectOptions): Promise<ImageInfo>;
  /** Verifies like `inspect`, then makes the served original, the variants and the placeholder. */
  process(bytes: Uint8Array, options: ProcessOptions): Promise<ProcessedImage>;
}
