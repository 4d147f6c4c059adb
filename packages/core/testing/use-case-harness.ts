// Dependencies for use-case tests: memory fakes, a settable clock, and a PNG-only image inspector.
import { createHash, randomUUID } from 'node:crypto';
import {
  DomainError,
  MemoryMetadataStore,
  MemoryStorage,
  processUpload,
  type DirectUploadSigner,
  type ImageInfo,
  type ImageProcessor,
  type JobRunner,
  type RateLimiter,
  type Sha256Base64,
  type UploadObserver,
  type UploadPolicy,
  type UrlResolver,
} from '../src/index.js';

export const testPolicy: UploadPolicy = {
  maxBytes: 1000,
  allowedTypes: ['image/png', 'image/jpeg'],
  maxPixels: 10_000,
  urlTtlSeconds: 300,
  completeGraceSeconds: 600,
  maxPendingUploads: 3,
  defaultVisibility: 'public',
  processingLeaseSeconds: 60,
  maxProcessingAttempts: 3,
  maxFrames: 10,
  variants: [{ name: 'thumb', width: 4, height: 4, fit: 'cover', format: 'webp' }],
  // Real time: how long a `complete` waits for a job the test has not run yet.
  completeWaitMs: 100,
};

/** A minimal valid-looking PNG: signature + IHDR with the given size, padded to `size` bytes. */
export function fakePng(width: number, height: number, size = 64): Uint8Array {
  const bytes = new Uint8Array(size);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  new DataView(bytes.buffer).setUint32(16, width);
  new DataView(bytes.buffer).setUint32(20, height);
  return bytes;
}

function pngHeader(bytes: Uint8Array, maxPixels: number, signal?: AbortSignal): ImageInfo {
  signal?.throwIfAborted();
  if (bytes[12] !== 0x49) throw new DomainError('invalid_image');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  if (width * height > maxPixels) throw new DomainError('image_too_large');
  return { type: 'image/png', width, height };
}

/**
 * Reads dimensions from a PNG header; "variants" are labelled copies of the bytes. The real decoder
 * is tested with the sharp adapter.
 */
export const pngHeaderProcessor: ImageProcessor = {
  async inspect(bytes, { maxPixels, signal }) {
    return pngHeader(bytes, maxPixels, signal);
  },
  async process(bytes, { maxPixels, signal, variants }) {
    const info = pngHeader(bytes, maxPixels, signal);
    return {
      info,
      original: bytes,
      variants: variants.map((spec) => ({
        name: spec.name,
        bytes: new TextEncoder().encode(`${spec.name}:${spec.width}x${spec.height}`),
        contentType: `image/${spec.format}`,
        width: Math.min(spec.width, info.width),
        height: Math.min(spec.height, info.height),
      })),
      placeholder: '#000000',
    };
  },
};

/** Jobs kept in a list; `drain()` runs them, as a worker would. `immediate` runs each on enqueue. */
export class ListJobRunner implements JobRunner {
  readonly queued: string[] = [];
  handler: ((id: string, signal: AbortSignal) => Promise<void>) | undefined;

  constructor(private readonly immediate: boolean) {}

  async enqueue(id: string): Promise<void> {
    this.queued.push(id);
    if (this.immediate) await this.drain();
  }

  async work(handler: (id: string, signal: AbortSignal) => Promise<void>): Promise<void> {
    this.handler = handler;
  }

  async stop(): Promise<void> {}

  async drain(): Promise<void> {
    for (let id = this.queued.shift(); id !== undefined; id = this.queued.shift()) {
      await this.handler?.(id, new AbortController().signal).catch(() => undefined);
    }
  }
}

export function unlimited(): RateLimiter {
  return { consume: async () => ({ allowed: true, remaining: 1, retryAfterSeconds: 0 }) };
}

export function harness(
  overrides: {
    policy?: Partial<UploadPolicy>;
    ownerRateLimiter?: RateLimiter;
    jobs?: 'immediate' | 'manual';
    observer?: UploadObserver;
    sha256?: Sha256Base64;
  } = {},
) {
  let now = new Date('2026-06-01T12:00:00.000Z');
  const storage = new MemoryStorage();
  const metadata = new MemoryMetadataStore();
  const signer: DirectUploadSigner = {
    async sign(request) {
      return { method: 'PUT', url: `memory://${request.key}`, headers: { 'content-type': request.contentType } };
    },
  };
  const urls: UrlResolver = {
    publicUrl: (key) => `https://cdn.test/${key}`,
    signedUrl: async (key, options) => `https://signed.test/${key}?ttl=${options.expiresInSeconds}`,
  };
  const jobs = new ListJobRunner(overrides.jobs !== 'manual');
  const deps = {
    storage,
    metadata,
    signer,
    urls,
    jobs,
    images: pngHeaderProcessor,
    ownerRateLimiter: overrides.ownerRateLimiter ?? unlimited(),
    policy: { ...testPolicy, ...overrides.policy },
    clock: () => now,
    newId: () => randomUUID(),
    digest: (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 32),
    ...(overrides.observer ? { observer: overrides.observer } : {}),
    ...(overrides.sha256 ? { sha256: overrides.sha256 } : {}),
  };
  void jobs.work((id, signal) => processUpload(deps, id, signal));
  return {
    deps,
    storage,
    metadata,
    jobs,
    advance(seconds: number) {
      now = new Date(now.getTime() + seconds * 1000);
    },
    /** Plays the browser's part: stores bytes where the target points. */
    async transfer(target: { url: string; headers: Record<string, string> }, body: Uint8Array) {
      await storage.put(target.url.replace('memory://', ''), body, { contentType: target.headers['content-type']! });
    },
  };
}

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64');
