// The upload checksum (SHA-256, base64) on node:crypto: hashes the caller's bytes in place.
import { createHash } from 'node:crypto';
import type { Sha256Base64 } from '@direct-upload/core';

/*
 * The core's default, WebCrypto's digest, first copies its input into a job for the thread pool: for
 * a 5.6 MB photo a fresh buffer and 5-11 ms of the worker's main thread, more than this whole hash
 * (about 3.6 ms here). A worker's main thread only coordinates, so hashing on it costs nothing else.
 */
export const nodeSha256Base64: Sha256Base64 = (bytes) => createHash('sha256').update(bytes).digest('base64');
