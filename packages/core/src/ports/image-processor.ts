// ImageProcessor port: decodes untrusted bytes within limits and reports what they are.
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

export interface ImageProcessor {
  /**
   * Fully decodes the image. Throws DomainError `image_too_large` when its dimensions exceed
   * `maxPixels` (checked from the header, before decoding) and `invalid_image` when it does not decode.
   */
  inspect(bytes: Uint8Array, options: InspectOptions): Promise<ImageInfo>;
}
