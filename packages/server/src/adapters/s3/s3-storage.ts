// Storage over an S3 bucket (AWS or any S3-compatible store).
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { DomainError, unavailable } from '@direct-upload/core';
import type { ObjectBytes, ObjectHeaders, ObjectInfo, Storage, StorageCallOptions } from '@direct-upload/core';
import { ByteSink } from './byte-sink.js';
import { presignerFor } from './s3-bucket-locator.js';
import { PresignedHead } from './presigned-head.js';
import type { SigV4Presigner } from './sigv4-presigner.js';

export interface S3StorageOptions {
  client: S3Client;
  bucket: string;
  /** Shared with the client's other S3 adapters (see presignerFor); one of its own when absent. */
  presigner?: SigV4Presigner;
}

const SERVICE = 'object storage';
/** A HEAD URL is used at once; the lifetime only has to cover clock skew and the request itself. */
const HEAD_URL_TTL_SECONDS = 60;

export class S3Storage implements Storage {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly presigner: SigV4Presigner;
  private readonly heads = new PresignedHead();

  constructor(options: S3StorageOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.presigner = options.presigner ?? presignerFor(options.client);
  }

  async head(key: string, options: StorageCallOptions = {}): Promise<ObjectInfo | null> {
    try {
      const url = await this.presigner.presign({ method: 'HEAD', bucket: this.bucket, key, expiresIn: HEAD_URL_TTL_SECONDS });
      const answer = await this.heads.send(url, options.signal);
      if (answer.status === 404) return null;
      if (answer.status !== 200) throw new Error(`HEAD ${key} answered HTTP ${answer.status}`);
      return { size: answer.contentLength ?? 0, contentType: answer.contentType };
    } catch (error) {
      throw failure(error, options.signal);
    }
  }

  /** Closes the connections kept open for HEAD requests (the S3 client is closed by its owner). */
  close(): void {
    this.heads.close();
  }

  async read(key: string, options: StorageCallOptions & { maxBytes: number }): Promise<ObjectBytes | null> {
    let body: AsyncIterable<Uint8Array> & { destroy?: (error?: unknown) => void };
    let declared: number | undefined;
    let contentType: string | undefined;
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), sendOptions(options));
      if (!out.Body) throw new Error(`GetObject answered no body for ${key}`);
      body = out.Body as unknown as typeof body;
      declared = out.ContentLength;
      contentType = out.ContentType;
    } catch (error) {
      if (isMissingObject(error)) return null;
      throw failure(error, options.signal);
    }
    const bytes = await collect(body, declared, options.maxBytes, options.signal);
    return { bytes, size: bytes.byteLength, contentType };
  }

  async put(key: string, body: Uint8Array, headers: ObjectHeaders, options: StorageCallOptions = {}): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: body.byteLength, ...objectHeaders(headers) }),
        sendOptions(options),
      );
    } catch (error) {
      throw failure(error, options.signal);
    }
  }

  async copy(from: string, to: string, headers: ObjectHeaders, options: StorageCallOptions = {}): Promise<void> {
    try {
      await this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: to,
          CopySource: `${this.bucket}/${encodeKey(from)}`,
          // Without REPLACE, S3 keeps the source's headers and ignores the new ones.
          MetadataDirective: 'REPLACE',
          ...objectHeaders(headers),
        }),
        sendOptions(options),
      );
    } catch (error) {
      if (isMissingObject(error)) throw new DomainError('not_uploaded', `no object at ${from}`, { cause: error });
      throw failure(error, options.signal);
    }
  }

  async delete(key: string, options: StorageCallOptions = {}): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }), sendOptions(options));
    } catch (error) {
      if (isMissingObject(error)) return;
      throw failure(error, options.signal);
    }
  }

  async ping(options: StorageCallOptions = {}): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), sendOptions(options));
    } catch (error) {
      throw failure(error, options.signal);
    }
  }
}

function sendOptions(options: StorageCallOptions): { abortSignal?: AbortSignal } {
  return options.signal ? { abortSignal: options.signal } : {};
}

function objectHeaders(headers: ObjectHeaders) {
  return {
    ContentType: headers.contentType,
    ...(headers.cacheControl !== undefined ? { CacheControl: headers.cacheControl } : {}),
    ...(headers.contentDisposition !== undefined ? { ContentDisposition: headers.contentDisposition } : {}),
  };
}

/** CopySource is a URL path: each key segment is encoded, the slashes between them are kept. */
function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

/** Streams the body into one buffer (sized by the announced length), giving up as soon as it grows past `maxBytes`. */
async function collect(
  body: AsyncIterable<Uint8Array> & { destroy?: (error?: unknown) => void },
  declared: number | undefined,
  maxBytes: number,
  signal: AbortSignal | undefined,
): Promise<Uint8Array> {
  // Whatever ends the read early must release the connection the body holds.
  const release = (error?: unknown) => body.destroy?.(error);
  if (declared !== undefined && declared > maxBytes) {
    release();
    throw new DomainError('file_too_large', `The object holds ${declared} bytes, more than the ${maxBytes} allowed.`);
  }
  const onAbort = () => release(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  const sink = new ByteSink(declared);
  try {
    signal?.throwIfAborted();
    for await (const chunk of body) {
      if (sink.size + chunk.byteLength > maxBytes) {
        release();
        throw new DomainError('file_too_large', `The object holds more than the ${maxBytes} bytes allowed.`);
      }
      sink.push(chunk);
    }
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw failure(error, signal);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  return sink.bytes();
}

/** HeadObject answers a bare 404 (no body to name it); other calls name it NoSuchKey. */
function isMissingObject(error: unknown): boolean {
  const e = error as { name?: unknown; $metadata?: { httpStatusCode?: number } } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.name === 'NoSuchKey' || e.name === 'NotFound') return true;
  return e.$metadata?.httpStatusCode === 404 && e.name !== 'NoSuchBucket';
}

/** The caller's own abort stays as it is; anything else from the store means it is unavailable. */
function failure(error: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted || (error instanceof Error && error.name === 'AbortError')) return error;
  if (error instanceof DomainError) return error;
  return unavailable(SERVICE, error);
}
