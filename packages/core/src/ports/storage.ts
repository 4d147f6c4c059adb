// Storage port: the object store holding incoming (quarantined) and promoted bytes.

export interface ObjectInfo {
  size: number;
  contentType: string | undefined;
}

/** An object's bytes, with its stored type, from one read. */
export interface ObjectBytes extends ObjectInfo {
  bytes: Uint8Array;
}

/** Response headers stored with an object and served with it. */
export interface ObjectHeaders {
  contentType: string;
  cacheControl?: string;
  contentDisposition?: string;
}

export interface StorageCallOptions {
  signal?: AbortSignal;
}

export interface Storage {
  /** Size and type of an object, or null when there is none. */
  head(key: string, options?: StorageCallOptions): Promise<ObjectInfo | null>;
  /**
   * The whole object with its size and type (what `head` would say, without another request), or
   * null when there is none. Refuses (DomainError `file_too_large`) to buffer more than `maxBytes`.
   */
  read(key: string, options: StorageCallOptions & { maxBytes: number }): Promise<ObjectBytes | null>;
  /** Writes an object, replacing any object at that key. */
  put(key: string, body: Uint8Array, headers: ObjectHeaders, options?: StorageCallOptions): Promise<void>;
  /** Copies an object to a new key with new headers (S3 CopyObject, a link or rename on disk). */
  copy(from: string, to: string, headers: ObjectHeaders, options?: StorageCallOptions): Promise<void>;
  /** Deletes an object; deleting a missing object is not an error. */
  delete(key: string, options?: StorageCallOptions): Promise<void>;
  /** Resolves when the store is reachable, throws otherwise. */
  ping(options?: StorageCallOptions): Promise<void>;
}
