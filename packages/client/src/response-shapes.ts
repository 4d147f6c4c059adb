// Light checks of the API's answers: enough to fail clearly on a wrong server, without a schema library.
import type { ClientConfig, CreateUploadResponse, Image, ListImagesResponse } from '@direct-upload/protocol';

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

export function parseImageResponse(value: unknown): Image | null {
  return isObject(value) && isImage(value.image) ? value.image : null;
}

export function parseListImagesResponse(value: unknown): ListImagesResponse | null {
  if (!isObject(value) || !Array.isArray(value.images) || !value.images.every(isImage)) return null;
  if (value.nextCursor !== null && !isString(value.nextCursor)) return null;
  return value as unknown as ListImagesResponse;
}
