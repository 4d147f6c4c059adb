// SharpImageProcessor: verifies untrusted upload bytes with libvips (accepted loaders only) and makes the served copies.
import { availableParallelism } from 'node:os';
import sharp, { type Metadata, type OutputInfo, type Sharp } from 'sharp';
import {
  DomainError,
  type ImageInfo,
  type ImageProcessor,
  type ImageType,
  type InspectOptions,
  type ProcessedImage,
  type ProcessedVariant,
  type ProcessOptions,
  type VariantFormat,
  type VariantSpec,
} from '@direct-upload/core';
import { DecodeGate } from './decode-gate.js';
import { keptDecodeSize, MAX_KEPT_PIXELS, PLACEHOLDER_SIDE } from './decode-size.js';
import { stripMetadata } from './strip-metadata.js';

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
  /**
   * Most pixels a job keeps decoded to make its variants from (default MAX_KEPT_PIXELS); an image
   * whose variants need more is decoded again for each variant.
   */
  maxKeptPixels?: number;
}

const CONTENT_TYPES: Record<VariantFormat, string> = {
  webp: 'image/webp',
  jpeg: 'image/jpeg',
  avif: 'image/avif',
  png: 'image/png',
};

/** Decoded pixels of the first frame, auto-oriented. */
interface RawImage {
  data: Buffer;
  info: OutputInfo;
}

/** A verified image: what it is, what its header says, and how to open its first frame for more work. */
interface Verified {
  info: ImageInfo;
  metadata: Metadata;
  open: () => Sharp;
  /**
   * The first frame, upright, as a pipeline's input: for a still image in `process`, the pixels the
   * decode of every pixel kept at the size every variant and the placeholder need; otherwise (too
   * many to keep, or an animation) the file decoded again.
   */
  upright: () => Sharp;
  /** The placeholder's thumbnail when that decode made it instead (a still image whose pixels were too many to keep). */
  thumbnail: RawImage | null;
}

export class SharpImageProcessor implements ImageProcessor {
  private readonly timeoutSeconds: number;
  private readonly gate: DecodeGate;
  private readonly maxKeptPixels: number;

  constructor(options: SharpImageProcessorOptions = {}) {
    this.timeoutSeconds = options.timeoutSeconds ?? 30;
    this.maxKeptPixels = options.maxKeptPixels ?? MAX_KEPT_PIXELS;
    this.gate = new DecodeGate(options.maxConcurrent ?? availableParallelism(), options.maxWaiting ?? 64);
  }

  async inspect(bytes: Uint8Array, options: InspectOptions): Promise<ImageInfo> {
    const { maxPixels, signal } = options;
    requirePositiveInteger('maxPixels', maxPixels);
    return this.run(signal, async () => (await this.verify(bytes, maxPixels, null, null, signal)).info);
  }

  async process(bytes: Uint8Array, options: ProcessOptions): Promise<ProcessedImage> {
    const { maxPixels, maxFrames, variants, signal } = options;
    requirePositiveInteger('maxPixels', maxPixels);
    requirePositiveInteger('maxFrames', maxFrames);
    for (const spec of variants) {
      requirePositiveInteger(`width of variant ${spec.name}`, spec.width);
      requirePositiveInteger(`height of variant ${spec.name}`, spec.height);
    }
    return this.run(signal, async () => {
      const verified = await this.verify(bytes, maxPixels, maxFrames, variants, signal);
      // First, as malformed structure found while stripping refuses the image.
      const original = await this.servedOriginal(bytes, verified);
      signal?.throwIfAborted();
      const placeholder = await this.placeholder(verified);
      const made: ProcessedVariant[] = [];
      for (const spec of variants) {
        signal?.throwIfAborted();
        made.push(await this.variant(verified, spec));
      }
      return { info: verified.info, original, variants: made, placeholder };
    });
  }

  /** Runs the work in a decode slot, settling early with the signal's reason when it aborts. */
  private run<T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
    signal?.throwIfAborted();
    return this.gate.run(() => abortable(work(), signal), signal);
  }

  /**
   * Checks the header against the limits, then decodes every pixel. `maxFrames` is null for `inspect`,
   * which verifies the first frame only: the one whose size it reports. With `variants` (`process`),
   * a still image's decode also keeps what they and the placeholder are made from (see `kept`).
   */
  private async verify(
    bytes: Uint8Array,
    maxPixels: number,
    maxFrames: number | null,
    variants: readonly VariantSpec[] | null,
    signal: AbortSignal | undefined,
  ): Promise<Verified> {
    const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // 'warning' rather than 'error': libjpeg reports a truncated file only as a warning.
    const options = { limitInputPixels: maxPixels, failOn: 'warning', sequentialRead: true } as const;
    const open = () => sharp(input, { ...options, pages: 1 }).timeout({ seconds: this.timeoutSeconds });

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

    // The frame count comes from the container (GIF blocks, WebP ANMF chunks): no frame is decoded yet.
    const frames = metadata.pages ?? 1;
    const allFrames = maxFrames !== null && frames > 1;
    if (allFrames) {
      if (frames > maxFrames) {
        throw new DomainError('image_too_large', `The animation has ${frames} frames; at most ${maxFrames} are allowed.`);
      }
      // Browsers play every frame of the served original, so every frame is decoded below, and that
      // work grows with width x height x frames. The frames together get the budget of one still
      // image (a bound of 1 x maxPixels): verifying an animation never costs more than verifying the
      // largest still image allowed. libvips enforces the same, as limitInputPixels applies to the
      // stacked frames. Variants and placeholder use the first frame only.
      if (width * height * frames > maxPixels) {
        throw new DomainError(
          'image_too_large',
          `The animation has ${frames} frames of ${width}x${height} pixels; at most ${maxPixels} pixels are allowed across all frames.`,
        );
      }
    }

    // Browsers apply the EXIF orientation, so report the size the image is shown at.
    const shown = metadata.autoOrient ?? { width, height };
    signal?.throwIfAborted();
    let upright = () => open().rotate();
    let thumbnail: RawImage | null = null;
    try {
      // Shrinking reads every pixel, so corrupt or truncated data fails here, without allocating a
      // canvas the size of the image (a JPEG's shrink-on-load still entropy-decodes every block;
      // fastShrinkOnLoad: false keeps WebP's scale-on-load off). A still image's shrink goes to the
      // size its variants and placeholder need instead of one pixel: decoding is most of the work
      // of a job, and this one decode then serves all of them.
      if (variants && !allFrames) {
        const size = keptDecodeSize(shown, variants, PLACEHOLDER_SIDE, this.maxKeptPixels);
        if (size) {
          const kept = await open()
            .rotate()
            .resize({ ...size, fit: 'inside', withoutEnlargement: true, fastShrinkOnLoad: false })
            .raw()
            .toBuffer({ resolveWithObject: true });
          upright = () => this.opened(kept);
        } else {
          thumbnail = await thumbnailOf(upright(), false);
        }
      } else {
        await sharp(input, { ...options, pages: allFrames ? -1 : 1 })
          .timeout({ seconds: this.timeoutSeconds })
          .resize(1, 1, { fit: 'fill', fastShrinkOnLoad: false })
          .raw()
          .toBuffer();
      }
    } catch (error) {
      throw refusal(error);
    }
    return { info: { type, width: shown.width, height: shown.height }, metadata, open, upright, thumbnail };
  }

  /**
   * One derived copy: auto-oriented, scaled down (never up), re-encoded. Animations give a still
   * image of their first frame (`pages: 1`). No metadata is copied: sharp writes none unless asked
   * (keepMetadata/withMetadata, never called here), and converts colours to untagged sRGB.
   */
  private async variant({ upright }: Verified, spec: VariantSpec): Promise<ProcessedVariant> {
    let image = upright().resize({ width: spec.width, height: spec.height, fit: spec.fit, withoutEnlargement: true });
    // JPEG has no alpha: transparent areas become white rather than libvips' default black.
    if (spec.format === 'jpeg') image = image.flatten({ background: '#ffffff' });
    try {
      const { data, info } = await encode(image, spec.format).toBuffer({ resolveWithObject: true });
      return { name: spec.name, bytes: data, contentType: CONTENT_TYPES[spec.format], width: info.width, height: info.height };
    } catch (error) {
      throw refusal(error);
    }
  }

  /** The dominant colour of a small auto-oriented thumbnail of the first frame, transparency shown on white. */
  private async placeholder({ upright, thumbnail: made }: Verified): Promise<string> {
    try {
      const thumbnail = made ?? (await thumbnailOf(upright(), true));
      // stats() describes a pipeline's input, so the thumbnail is measured as an image of its own.
      const { width, height, channels } = thumbnail.info;
      const { dominant } = await sharp(thumbnail.data, { raw: { width, height, channels } }).stats();
      return `#${[dominant.r, dominant.g, dominant.b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
    } catch (error) {
      throw refusal(error);
    }
  }

  /** Kept pixels as a pipeline's input (already upright). */
  private opened({ data, info }: RawImage): Sharp {
    return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } }).timeout({ seconds: this.timeoutSeconds });
  }

  /**
   * The original without identifying metadata, its coded pixels untouched (see strip-metadata.ts).
   * AVIF cannot be stripped at byte level: when it carries EXIF, XMP or IPTC it is re-encoded, upright
   * and with its ICC profile, as an 8-bit still image at high quality; otherwise it is served as is.
   */
  private async servedOriginal(bytes: Uint8Array, { info, metadata, open }: Verified): Promise<Uint8Array> {
    const stripped = stripMetadata(bytes, info.type);
    if (stripped) return stripped;
    if (!metadata.exif && !metadata.xmp && !metadata.iptc) return bytes;
    try {
      return await open().rotate().keepIccProfile().avif({ quality: 90 }).toBuffer();
    } catch (error) {
      throw refusal(error);
    }
  }
}

/** The placeholder's thumbnail of an upright first frame; `fastShrinkOnLoad: false` when its decode must read every pixel. */
async function thumbnailOf(upright: Sharp, fastShrinkOnLoad: boolean): Promise<RawImage> {
  return upright
    .resize(PLACEHOLDER_SIDE, PLACEHOLDER_SIDE, { fit: 'inside', fastShrinkOnLoad })
    .flatten({ background: '#ffffff' })
    .raw()
    .toBuffer({ resolveWithObject: true });
}

function requirePositiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
}

/** Web-typical settings; AVIF's quality scale runs lower than WebP's and JPEG's for a similar look. */
function encode(image: Sharp, format: VariantFormat): Sharp {
  switch (format) {
    case 'webp':
      return image.webp({ quality: 80 });
    case 'jpeg':
      return image.jpeg({ quality: 80, progressive: true });
    case 'avif':
      return image.avif({ quality: 55 });
    case 'png':
      return image.png();
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
