// In-memory Storage: a fake for tests of use cases, held to the same contract as the real stores.
import { DomainError } from '../errors.js';
import type { ObjectBytes, ObjectHeaders, ObjectInfo, Storage } from '../ports/storage.js';

interface StoredObject {
  body: Uint8Array;
  headers: ObjectHeaders;
}

export class MemoryStorage implements Storage {
  readonly objects = new Map<string, StoredObject>();

  async head(key: string): Promise<ObjectInfo | null> {
    const object = this.objects.get(key);
    return object ? { size: object.body.byteLength, contentType: object.headers.contentType } : null;
  }

  async read(key: string, options: { maxBytes: number }): Promise<ObjectBytes | null> {
    const object = this.objects.get(key);
    if (!object) return null;
    if (object.body.byteLength > options.maxBytes) throw new DomainError('file_too_large');
    return { bytes: object.body.slice(), size: object.body.byteLength, contentType: object.headers.contentType };
  }

  async put(key: string, body: Uint8Array, headers: ObjectHeaders): Promise<void> {
    this.objects.set(key, { body: body.slice(), headers: { ...headers } });
  }

  async copy(from: string, to: string, headers: ObjectHeaders): Promise<void> {
    const object = this.objects.get(from);
    if (!object) throw new DomainError('not_uploaded', `no object at ${from}`);
    this.objects.set(to, { body: object.body, headers: { ...headers } });
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }

  async ping(): Promise<void> {}
}
