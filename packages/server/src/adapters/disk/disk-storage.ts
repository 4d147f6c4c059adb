// Storage on the local disk (the zero-config default): one file per object, its headers in a sidecar.
import { createHash, randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { access, copyFile, link, lstat, mkdir, open, readFile, rename, rm, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { DomainError, unavailable } from '@direct-upload/core';
import type { ObjectBytes, ObjectHeaders, ObjectInfo, Storage, StorageCallOptions } from '@direct-upload/core';
import { keyToPath } from './disk-keys.js';

const SERVICE = 'disk storage';
/** Temporary files live in the root so every publish is a same-filesystem rename or link. */
const TMP_DIR = '.tmp';
/** `@` never occurs in a valid key, so no key can name another object's sidecar. */
const SIDECAR_SUFFIX = '@headers.json';
const FALLBACK_TYPE = 'application/octet-stream';

export interface ReceiveExpectation {
  contentType: string;
  /** Exact number of bytes the body must hold. */
  size: number;
  /** Base64 SHA-256 the body must have, when declared. */
  checksumSha256?: string;
}

export interface ReceivedObject {
  size: number;
  /** Hex SHA-256 of the stored bytes. */
  sha256: string;
}

/** Inclusive byte offsets, as in a Content-Range header. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface ServeOptions {
  /** Picks the part to send once the size is known; null sends the whole object. */
  range?: (size: number) => ByteRange | null;
  /** False opens nothing but the headers (HEAD requests). */
  body?: boolean;
}

export interface ServedObject {
  /** Size of the whole object. */
  size: number;
  headers: ObjectHeaders;
  range: ByteRange | null;
  /** The selected bytes; null when opened without a body. */
  body: Readable | null;
}

/*
 * Crash safety: the data file is the commit point. Its sidecar is always written first (by atomic
 * rename) and removed last, so an object that exists always has its headers; a crash in between
 * leaves only a headerless sidecar, which counts as no object and is replaced by the next write.
 */
export class DiskStorage implements Storage {
  readonly root: string;
  private readonly tmpDir: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.tmpDir = join(this.root, TMP_DIR);
  }

  async head(key: string, options: StorageCallOptions = {}): Promise<ObjectInfo | null> {
    const path = keyToPath(this.root, key);
    return this.guard(options.signal, async () => {
      const stats = await statFile(path);
      if (!stats) return null;
      const headers = await readHeaders(path);
      return { size: stats.size, contentType: headers?.contentType };
    });
  }

  async read(key: string, options: StorageCallOptions & { maxBytes: number }): Promise<ObjectBytes | null> {
    const path = keyToPath(this.root, key);
    return this.guard(options.signal, async () => {
      const handle = await openFile(path);
      if (!handle) return null;
      try {
        const stats = await handle.stat();
        if (!stats.isFile()) return null;
        if (stats.size > options.maxBytes) throw tooLarge(stats.size, options.maxBytes);
        const data = await handle.readFile(options.signal ? { signal: options.signal } : {});
        // Objects are replaced by rename, never in place; this only guards against outside writers.
        if (data.byteLength > options.maxBytes) throw tooLarge(data.byteLength, options.maxBytes);
        const headers = await readHeaders(path);
        return { bytes: data, size: data.byteLength, contentType: headers?.contentType };
      } finally {
        await handle.close();
      }
    });
  }

  async put(key: string, body: Uint8Array, headers: ObjectHeaders, options: StorageCallOptions = {}): Promise<void> {
    const path = keyToPath(this.root, key);
    await this.guard(options.signal, async () => {
      await this.prepare(path);
      await this.writeAtomic(sidecarOf(path), serializeHeaders(headers), options.signal);
      await this.writeAtomic(path, body, options.signal);
      await syncDir(dirname(path));
    });
  }

  async copy(from: string, to: string, headers: ObjectHeaders, options: StorageCallOptions = {}): Promise<void> {
    const source = keyToPath(this.root, from);
    const target = keyToPath(this.root, to);
    await this.guard(options.signal, async () => {
      if (!(await statFile(source))) throw notUploaded(from);
      await this.prepare(target);
      await this.writeAtomic(sidecarOf(target), serializeHeaders(headers), options.signal);
      const tmp = this.tmpPath();
      try {
        await linkOrCopy(source, tmp);
        options.signal?.throwIfAborted();
        await rename(tmp, target);
      } catch (error) {
        if (errnoOf(error) === 'ENOENT' && !(await statFile(source))) throw notUploaded(from);
        throw error;
      } finally {
        // Also needed on success: renaming a link onto another link of the same file is a no-op.
        await rm(tmp, { force: true });
      }
      await syncDir(dirname(target));
    });
  }

  async delete(key: string, options: StorageCallOptions = {}): Promise<void> {
    const path = keyToPath(this.root, key);
    await this.guard(options.signal, async () => {
      await unlinkIfPresent(path);
      await unlinkIfPresent(sidecarOf(path));
    });
  }

  async ping(options: StorageCallOptions = {}): Promise<void> {
    await this.guard(options.signal, async () => {
      await mkdir(this.tmpDir, { recursive: true });
      await access(this.root, constants.R_OK | constants.W_OK);
      await access(this.tmpDir, constants.R_OK | constants.W_OK);
    });
  }

  /**
   * Streams an upload body into a new object. Refuses (DomainError `size_mismatch`) a body longer
   * than declared as soon as the extra bytes arrive, or shorter; `checksum_mismatch` for other bytes;
   * `already_uploaded` when the key holds an object already, which is never replaced. Nothing is
   * left behind unless the whole body was accepted.
   */
  async receive(key: string, body: Readable, expected: ReceiveExpectation, signal?: AbortSignal): Promise<ReceivedObject> {
    const path = keyToPath(this.root, key);
    if (!Number.isSafeInteger(expected.size) || expected.size < 0 || !expected.contentType) {
      throw new DomainError('invalid_request', 'Invalid upload expectation.');
    }
    // A waiting read only ends when its stream does. Destroyed without an error: nobody may be listening for one.
    const onAbort = () => body.destroy();
    signal?.addEventListener('abort', onAbort, { once: true });
    let tmp: string | null = null;
    let handle: FileHandle | null = null;
    try {
      signal?.throwIfAborted();
      if (await statFile(path)) throw alreadyUploaded();
      await this.prepare(path);
      tmp = this.tmpPath();
      handle = await open(tmp, 'wx');
      const hash = createHash('sha256');
      let received = 0;
      // Not destroying the body on an early exit lets the HTTP layer still answer the client.
      const chunks = body.iterator({ destroyOnReturn: false }) as AsyncIterableIterator<Buffer | string>;
      try {
        for await (const chunk of chunks) {
          const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
          received += bytes.byteLength;
          if (received > expected.size) {
            throw new DomainError('size_mismatch', `The body holds more than the ${expected.size} bytes declared.`);
          }
          hash.update(bytes);
          await writeAll(handle, bytes);
        }
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (error instanceof DomainError) throw error;
        if (isStreamFailure(error)) {
          throw new DomainError('size_mismatch', `The body ended after ${received} of the ${expected.size} bytes declared.`, { cause: error });
        }
        throw error;
      }
      signal?.throwIfAborted();
      if (received !== expected.size) {
        throw new DomainError('size_mismatch', `The body holds ${received} bytes, ${expected.size} declared.`);
      }
      const digest = hash.digest();
      if (expected.checksumSha256 !== undefined && digest.toString('base64') !== expected.checksumSha256) {
        throw new DomainError('checksum_mismatch');
      }
      await handle.sync();
      await handle.close();
      handle = null;
      // Checked before the sidecar is written, so a replay never touches a finished object's headers
      // (concurrent receives of one key write the same signed type; the link below picks one winner).
      if (await statFile(path)) throw alreadyUploaded();
      await this.writeAtomic(sidecarOf(path), serializeHeaders({ contentType: expected.contentType }), signal);
      try {
        // link, unlike rename, fails when the target exists: the no-overwrite publish.
        await link(tmp, path);
      } catch (error) {
        if (errnoOf(error) === 'EEXIST') throw alreadyUploaded();
        throw error;
      }
      await syncDir(dirname(path));
      return { size: received, sha256: digest.toString('hex') };
    } catch (error) {
      throw failure(error, signal);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (handle) await handle.close().catch(() => undefined);
      if (tmp) await rm(tmp, { force: true }).catch(() => undefined);
    }
  }

  /** Opens an object for an HTTP response: its headers and, unless told otherwise, a stream of its bytes. */
  async openForServing(key: string, options: ServeOptions = {}): Promise<ServedObject | null> {
    const path = keyToPath(this.root, key);
    return this.guard(undefined, async () => {
      let handle = await openFile(path);
      if (!handle) return null;
      try {
        const stats = await handle.stat();
        if (!stats.isFile()) return null;
        const headers = (await readHeaders(path)) ?? { contentType: FALLBACK_TYPE };
        const range = options.range?.(stats.size) ?? null;
        if (options.body === false) return { size: stats.size, headers, range, body: null };
        // The open handle pins the file: a concurrent replace or delete cannot change what is sent.
        const body = handle.createReadStream(range ? { start: range.start, end: range.end } : {});
        handle = null;
        return { size: stats.size, headers, range, body };
      } finally {
        if (handle) await handle.close();
      }
    });
  }

  private async guard<T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
    try {
      signal?.throwIfAborted();
      return await work();
    } catch (error) {
      throw failure(error, signal);
    }
  }

  private async prepare(path: string): Promise<void> {
    await mkdir(this.tmpDir, { recursive: true });
    await mkdir(dirname(path), { recursive: true });
  }

  private tmpPath(): string {
    return join(this.tmpDir, randomUUID());
  }

  /** Temp file, fsync, rename: readers see the old content or the new, never a part. */
  private async writeAtomic(path: string, data: Uint8Array | string, signal: AbortSignal | undefined): Promise<void> {
    const tmp = this.tmpPath();
    try {
      const handle = await open(tmp, 'wx');
      try {
        await handle.writeFile(data, signal ? { signal } : {});
        await handle.sync();
      } finally {
        await handle.close();
      }
      signal?.throwIfAborted();
      await rename(tmp, path);
    } catch (error) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw error;
    }
  }
}

function sidecarOf(path: string): string {
  return `${path}${SIDECAR_SUFFIX}`;
}

function serializeHeaders(headers: ObjectHeaders): string {
  return JSON.stringify({
    contentType: headers.contentType,
    ...(headers.cacheControl !== undefined ? { cacheControl: headers.cacheControl } : {}),
    ...(headers.contentDisposition !== undefined ? { contentDisposition: headers.contentDisposition } : {}),
  });
}

async function readHeaders(path: string): Promise<ObjectHeaders | null> {
  let text: string;
  try {
    text = await readFile(sidecarOf(path), 'utf8');
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
  const value = JSON.parse(text) as Record<string, unknown> | null;
  if (typeof value !== 'object' || value === null || typeof value.contentType !== 'string') {
    throw new Error(`corrupt headers file for ${path}`);
  }
  const optional = (name: string) => (typeof value[name] === 'string' ? { [name]: value[name] as string } : {});
  return { contentType: value.contentType, ...optional('cacheControl'), ...optional('contentDisposition') };
}

/** The file's stats, or null when there is no regular file at the path. */
async function statFile(path: string) {
  try {
    const stats = await lstat(path);
    return stats.isFile() ? stats : null;
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}

async function openFile(path: string): Promise<FileHandle | null> {
  try {
    // O_NOFOLLOW: the store never makes symlinks, so one found here was planted; do not follow it.
    return await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    if (isMissing(error) || errnoOf(error) === 'ELOOP') return null;
    throw error;
  }
}

async function unlinkIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if (isMissing(error) || errnoOf(error) === 'EISDIR') return;
    throw error;
  }
}

/** A hard link costs no bytes; filesystems without links get a real copy. */
async function linkOrCopy(source: string, target: string): Promise<void> {
  try {
    await link(source, target);
  } catch (error) {
    const code = errnoOf(error);
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EMLINK' && code !== 'ENOSYS') throw error;
    await copyFile(source, target, constants.COPYFILE_EXCL);
    const handle = await open(target, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.byteLength - offset);
    offset += bytesWritten;
  }
}

/** Makes a rename or link durable; some platforms cannot sync a directory, which only costs durability. */
async function syncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // best effort
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

function isMissing(error: unknown): boolean {
  const code = errnoOf(error);
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}

/** The body stream broke off (client gone, connection reset) rather than the disk failing. */
function isStreamFailure(error: unknown): boolean {
  const code = errnoOf(error);
  return code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'EPIPE' || (error as Error)?.message === 'aborted';
}

function tooLarge(size: number, maxBytes: number): DomainError {
  return new DomainError('file_too_large', `The object holds ${size} bytes, more than the ${maxBytes} allowed.`);
}

function notUploaded(key: string): DomainError {
  return new DomainError('not_uploaded', `no object at ${key}`);
}

function alreadyUploaded(): DomainError {
  return new DomainError('already_uploaded');
}

/** The caller's own abort stays as it is; anything else unexpected from the disk means it is unavailable. */
function failure(error: unknown, signal: AbortSignal | undefined): unknown {
  if (error instanceof DomainError) return error;
  if (signal?.aborted || (error instanceof Error && error.name === 'AbortError')) return error;
  return unavailable(SERVICE, error);
}
