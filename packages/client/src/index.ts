// Browser SDK for direct image uploads: framework-free, no Node built-ins.
export { createUploader, DEFAULT_PROCESSING_TIMEOUT_MS } from './create-uploader.js';
export type { AddOptions, Uploader, UploaderOptions, UploadOptions } from './create-uploader.js';
export { createApiClient } from './api-client.js';
export type { ApiClient, ApiClientOptions, HeaderSource } from './api-client.js';
export type { CompleteResult } from './response-shapes.js';
export { contentUrl } from './content-url.js';
export type { UploaderState, Listener } from './upload-store.js';
export type { UploadItem, UploadStatus } from './upload-state.js';
export { UploadError, isUploadError } from './upload-error.js';
export type { ClientErrorCode, UploadErrorCode } from './upload-error.js';
export type { UploadFile } from './file-check.js';
export type { Transport, TransferRequest, TransferResponse } from './transport.js';
export { xhrTransport } from './xhr-transport.js';
export { fetchTransport } from './fetch-transport.js';
export type { RetryOptions } from './backoff.js';
export { formatBytes } from './format-bytes.js';
export type { ClientConfig, Image, ListImagesResponse, Metadata, Variant, Visibility } from '@direct-upload/protocol';
