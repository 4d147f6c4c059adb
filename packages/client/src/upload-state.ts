// The state machine of one file's upload: its states, the events that move it, and which moves are legal.
import type { Image } from '@direct-upload/protocol';
import type { UploadFile } from './file-check.js';
import type { UploadError } from './upload-error.js';

export type UploadStatus = 'queued' | 'hashing' | 'uploading' | 'verifying' | 'processing' | 'done' | 'error' | 'cancelled';

interface ItemBase {
  readonly id: string;
  readonly file: UploadFile;
  readonly name: string;
  readonly size: number;
  readonly type: string;
}

export type UploadItem = ItemBase &
  (
    | { readonly status: 'queued' }
    | { readonly status: 'hashing' }
    | { readonly status: 'uploading'; readonly loaded: number; readonly total: number }
    | { readonly status: 'verifying' }
    /** The server has the bytes and makes the image in the background; the SDK polls until it is ready. */
    | { readonly status: 'processing' }
    | { readonly status: 'done'; readonly image: Image }
    | { readonly status: 'error'; readonly error: UploadError }
    | { readonly status: 'cancelled' }
  );

export type UploadEvent =
  | { type: 'hash' }
  | { type: 'progress'; loaded: number; total: number }
  | { type: 'verify' }
  | { type: 'process' }
  | { type: 'succeed'; image: Image }
  | { type: 'fail'; error: UploadError }
  | { type: 'cancel' }
  | { type: 'requeue' };

/** Statuses from which no event moves the item except an explicit requeue. */
export const FINAL_STATUSES: ReadonlySet<UploadStatus> = new Set(['done', 'error', 'cancelled']);

const ACCEPTS: Record<UploadStatus, ReadonlySet<UploadEvent['type']>> = {
  queued: new Set(['hash', 'progress', 'verify', 'fail', 'cancel']),
  hashing: new Set(['progress', 'fail', 'cancel']),
  uploading: new Set(['progress', 'verify', 'fail', 'cancel']),
  verifying: new Set(['process', 'succeed', 'fail', 'cancel']),
  processing: new Set(['succeed', 'fail', 'cancel']),
  done: new Set(),
  error: new Set(['requeue']),
  cancelled: new Set(['requeue']),
};

export function initialItem(id: string, file: UploadFile): UploadItem {
  return Object.freeze({ id, file, name: file.name, size: file.size, type: file.type, status: 'queued' });
}

export function canApply(item: UploadItem, event: UploadEvent): boolean {
  return ACCEPTS[item.status].has(event.type);
}

/** The next state; the same object when the event does not apply (a late progress after a cancel, say). */
export function transition(item: UploadItem, event: UploadEvent): UploadItem {
  if (!canApply(item, event)) return item;
  const { id, file, name, size, type } = item;
  const base = { id, file, name, size, type };
  switch (event.type) {
    case 'hash':
      return Object.freeze({ ...base, status: 'hashing' });
    case 'progress': {
      const total = Math.max(0, event.total);
      return Object.freeze({ ...base, status: 'uploading', total, loaded: Math.min(Math.max(0, event.loaded), total) });
    }
    case 'verify':
      return Object.freeze({ ...base, status: 'verifying' });
    case 'process':
      return Object.freeze({ ...base, status: 'processing' });
    case 'succeed':
      return Object.freeze({ ...base, status: 'done', image: event.image });
    case 'fail':
      return Object.freeze({ ...base, status: 'error', error: event.error });
    case 'cancel':
      return Object.freeze({ ...base, status: 'cancelled' });
    case 'requeue':
      return Object.freeze({ ...base, status: 'queued' });
  }
}
