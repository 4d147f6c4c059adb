// Light checks of the API's answers: enough to fail clearly on a wrong server, without a schema library.
import type { ClientConfig, CreateUploadResponse, Image, ListImagesResponse, ProcessingResponse } from '@direct-upload/protocol';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === 'string';

export function parseClientConfig(value: unknown): ClientConfig | null {
  if (!isObject(value) || !Array.isArray(value.allowedTypes) || !value.allowedTypes.every(isString)) return null;
  if (typeof value.maxBytes !== 'number') return null;
  return value as unknown as ClientConfig;
}

export function parseCreateUploadResponse(value: unknown): CreateUploadResponse | null {
  if (!isObject(value) || !isObject(value.upload) || !isObject(value.target)) return null;
  const { upload, target } = value;
  if (!isString(upload.id) || !isString(target.url) || !isString(target.method)) return null;
  if (!isObject(target.headers) || !Object.values(target.headers).every(isString)) return null;
  return value as unknown as CreateUploadResponse;
}

export function isImage(value: unknown): value is Image {
  return isObject(value) && isString(value.id) && isString(value.url) && isString(value.filename);
}

const isVariant = (value: unknown): boolean => isObject(value) && isString(value.url);

/**
 * The image with `variants` and `placeholder` always present: a server from before processing
 * sends neither, and a variant without a URL is of no use to anyone.
 */
export function normalizeImage(image: Image): Image {
  const raw = image as unknown as Json;
  const variants = isObject(raw.variants) ? Object.fromEntries(Object.entries(raw.variants).filter(([, v]) => isVariant(v))) : {};
  const placeholder = isString(raw.placeholder) ? raw.placeholder : null;
  return { ...image, variants: variants as Image['variants'], placeholder };
}

/** What `complete` answered: the image (200), or that the server is still processing it (202). */
export type CompleteResult =
  | { status: 'ready'; image: Image }
  | {
      status: 'processing';
      upload: ProcessingResponse['upload'];
      /** The server's Retry-After: when it suggests asking again. */
      retryAfterMs?: number;
    };

export function parseCompleteResponse(value: unknown): CompleteResult | null {
  if (!isObject(value)) return null;
  if (isImage(value.image)) return { status: 'ready', image: normalizeImage(value.image) };
  const upload = value.upload;
  if (isObject(upload) && isString(upload.id) && upload.status === 'processing') {
    return { status: 'processing', upload: upload as ProcessingResponse['upload'] };
  }
  return null;
}

export function parseListImagesResponse(value: unknown): ListImagesResponse | null {
  if (!isObject(value) || !Array.isArray(value.images) || !value.images.every(isImage)) return null;
  if (value.nextCursor !== null && !isString(value.nextCursor)) return null;
  return { images: value.images.map(normalizeImage), nextCursor: value.nextCursor };
}
