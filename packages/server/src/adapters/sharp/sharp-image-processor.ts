// SharpImageProcessor: decodes untrusted upload bytes with libvips, limited to the accepted raster loaders.
import { availableParallelism } from 'node:os';
import sharp, { type Metadata } from 'sharp';
import { DomainError, type ImageInfo, type ImageProcessor, type ImageType, type InspectOptions } from '@direct-upload/core';
import { DecodeGate } from './decode-gate.js';

/**
 * libvips picks a loader by sniffing the bytes, so every other loader (TIFF, SVG, PDF, ...) would be
 * reachable by content alone. Blocking is process-wide and applies to every later sharp call.
 */
export const ACCEPTED_LOADERS = [
  'VipsForeignLoadJpegBuffer',
  'VipsForeignLoadPngBuffer',
  'VipsForeignLoadWebpBuffer',
  'VipsForeignLoadNsgifBuffer',
  'VipsForeignLoadHeifBuffer',
] as const;

sharp.block({ operation: ['VipsForeignLoad'] });
sharp.unblock({ operation: [...ACCEPTED_LOADERS] });

export interface SharpImageProcessorOptions {
  /** Longest a decode may run before the image is refused (default 30). */
  timeoutSeconds?: number;
  /** Decodes run at once (default: the number of cores); more wait in line. */
  maxConcurrent?: number;
  /** Decodes that may wait for a slot before further ones are refused with 503 (default 64). */
  maxWaiting?: number;
}

export class SharpImageProcessor implements ImageProcessor {
  private readonly timeoutSeconds: number;
  private readonly gate: DecodeGate;

  constructor(options: SharpImageProcessorOptions = {}) {
    this.timeoutSeconds = options.timeoutSeconds ?? 30;
    this.gate = new DecodeGate(options.maxConcurrent ?? availableParallelism(), options.maxWaiting ?? 64);
  }

  async inspect(bytes: Uint8Array, options: InspectOptions): Promise<ImageInfo> {
    const { maxPixels, signal } = options;
    if (!Number.isSafeInteger(maxPixels) || maxPixels < 1) throw new RangeError(`maxPixels must be a positive integer, got ${maxPixels}`);
    signal?.throwIfAborted();
    const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return this.gate.run(() => abortable(this.decode(input, maxPixels, signal), signal), signal);
  }

  private async decode(input: Buffer, maxPixels: number, signal: AbortSignal | undefined): Promise<ImageInfo> {
    // 'warning' rather than 'error': libjpeg reports a truncated file only as a warning.
    const open = () => sharp(input, { limitInputPixels: maxPixels, failOn: 'warning', pages: 1, sequentialRead: true });

    let metadata: Metadata;
    try {
      metadata = await open().metadata();
    } catch (error) {
      throw refusal(error);
    }
    const { width, height } = metadata;
    if (!width || !height) throw new DomainError('invalid_image', 'The image has no dimensions.');
    // Checked from the header alone, before any pixel is decoded (sharp refuses too, via limitInputPixels).
    if (width * height > maxPixels) throw tooLarge(width, height, maxPixels);
    const type = imageTypeOf(metadata);
    if (!type) throw new DomainError('invalid_image', 'The image is not of an accepted type.');

    signal?.throwIfAborted();
    try {
      // Shrinking to one pixel reads every pixel of the first frame, so corrupt or truncated data
      // fails here, without allocating a canvas the size of the image.
      await open()
        .timeout({ seconds: this.timeoutSeconds })
        .resize(1, 1, { fit: 'fill', fastShrinkOnLoad: false })
        .raw()
        .toBuffer();
    } catch (error) {
      throw refusal(error);
    }
    // Browsers apply the EXIF orientation, so report the size the image is shown at.
    const shown = metadata.autoOrient ?? { width, height };
    return { type, width: shown.width, height: shown.height };
  }
}

function imageTypeOf(metadata: Metadata): ImageType | null {
  switch (metadata.format) {
    case 'jpeg':
      return 'image/jpeg';
    case 'png':
      return 'image/png';
    case 'webp':
      return 'image/webp';
    case 'gif':
      return 'image/gif';
    case 'heif':
      // HEIF holding AV1 is AVIF; HEVC-coded HEIC is not accepted.
      return metadata.compression === 'av1' ? 'image/avif' : null;
    default:
      return null;
  }
}

const tooLarge = (width: number, height: number, maxPixels: number) =>
  new DomainError('image_too_large', `The image is ${width}x${height} pixels; at most ${maxPixels} pixels are allowed.`);

/** Every sharp failure on untrusted bytes is the bytes' fault: a refusal, never a raw error. */
function refusal(error: unknown): DomainError {
  const message = error instanceof Error ? error.message : String(error);
  if (/exceeds pixel limit/i.test(message)) {
    return new DomainError('image_too_large', 'The image has more pixels than allowed.', { cause: error });
  }
  if (/^timeout:/im.test(message)) {
    return new DomainError('invalid_image', 'The image took too long to decode.', { cause: error });
  }
  return new DomainError('invalid_image', undefined, { cause: error });
}

/** Settles with the work, or rejects with the signal's reason as soon as it aborts (the decode runs on, unobserved). */
function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
