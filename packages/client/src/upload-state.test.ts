// The per-file state machine: legal moves, ignored late events, requeueing.
import { describe, expect, it } from 'vitest';
import type { Image } from '@direct-upload/protocol';
import { UploadError } from './upload-error.js';
import { initialItem, transition, type UploadEvent, type UploadItem } from './upload-state.js';

const file = new File([new Uint8Array([1, 2, 3])], 'a.png', { type: 'image/png' });
const image = { id: 'i1', url: '/i1', filename: 'a.png' } as Image;
const error = new UploadError('network_error', 'a.png could not be uploaded', { retryable: true });

function run(item: UploadItem, ...events: UploadEvent[]): UploadItem {
  return events.reduce(transition, item);
}

describe('upload state machine', () => {
  it('walks the happy path', () => {
    const start = initialItem('u1', file);
    expect(start).toMatchObject({ id: 'u1', name: 'a.png', size: 3, type: 'image/png', status: 'queued' });
    const hashing = transition(start, { type: 'hash' });
    expect(hashing.status).toBe('hashing');
    const uploading = transition(hashing, { type: 'progress', loaded: 1, total: 3 });
    expect(uploading).toMatchObject({ status: 'uploading', loaded: 1, total: 3 });
    const verifying = transition(uploading, { type: 'verify' });
    expect(verifying.status).toBe('verifying');
    const done = transition(verifying, { type: 'succeed', image });
    expect(done).toMatchObject({ status: 'done', image });
  });

  it('goes from verifying to processing and on to done or error', () => {
    const verifying = run(initialItem('u1', file), { type: 'progress', loaded: 3, total: 3 }, { type: 'verify' });
    const processing = transition(verifying, { type: 'process' });
    expect(processing).toMatchObject({ id: 'u1', name: 'a.png', status: 'processing' });
    expect(transition(processing, { type: 'succeed', image })).toMatchObject({ status: 'done', image });
    expect(transition(processing, { type: 'fail', error })).toMatchObject({ status: 'error', error });
    expect(transition(processing, { type: 'cancel' }).status).toBe('cancelled');
  });

  it('does not go back from processing, nor skip to it before the bytes were sent', () => {
    const processing = run(initialItem('u1', file), { type: 'verify' }, { type: 'process' });
    expect(processing.status).toBe('processing');
    expect(transition(processing, { type: 'verify' })).toBe(processing);
    expect(transition(processing, { type: 'progress', loaded: 3, total: 3 })).toBe(processing);
    expect(transition(processing, { type: 'process' })).toBe(processing);
    const uploading = run(initialItem('u1', file), { type: 'progress', loaded: 1, total: 3 });
    expect(transition(uploading, { type: 'process' })).toBe(uploading);
    const queued = initialItem('u1', file);
    expect(transition(queued, { type: 'process' })).toBe(queued);
  });

  it('returns frozen items and never mutates the previous one', () => {
    const start = initialItem('u1', file);
    const next = transition(start, { type: 'hash' });
    expect(Object.isFrozen(start)).toBe(true);
    expect(Object.isFrozen(next)).toBe(true);
    expect(start.status).toBe('queued');
  });

  it('clamps progress into [0, total]', () => {
    const item = run(initialItem('u1', file), { type: 'progress', loaded: 10, total: 3 });
    expect(item).toMatchObject({ loaded: 3, total: 3 });
    expect(transition(item, { type: 'progress', loaded: -1, total: 3 })).toMatchObject({ loaded: 0 });
  });

  it('ignores events that arrive after a final state', () => {
    const cancelled = run(initialItem('u1', file), { type: 'hash' }, { type: 'cancel' });
    expect(cancelled.status).toBe('cancelled');
    expect(transition(cancelled, { type: 'progress', loaded: 1, total: 3 })).toBe(cancelled);
    expect(transition(cancelled, { type: 'succeed', image })).toBe(cancelled);
    const done = run(initialItem('u1', file), { type: 'verify' }, { type: 'succeed', image });
    expect(transition(done, { type: 'cancel' })).toBe(done);
    expect(transition(done, { type: 'fail', error })).toBe(done);
    expect(transition(done, { type: 'requeue' })).toBe(done);
  });

  it('does not go back from verifying to uploading', () => {
    const verifying = run(initialItem('u1', file), { type: 'progress', loaded: 3, total: 3 }, { type: 'verify' });
    expect(transition(verifying, { type: 'progress', loaded: 3, total: 3 })).toBe(verifying);
  });

  it('requeues only failed or cancelled items', () => {
    const failed = run(initialItem('u1', file), { type: 'fail', error });
    expect(failed).toMatchObject({ status: 'error', error });
    expect(transition(failed, { type: 'requeue' }).status).toBe('queued');
    const cancelled = run(initialItem('u1', file), { type: 'cancel' });
    expect(transition(cancelled, { type: 'requeue' }).status).toBe('queued');
    const hashing = run(initialItem('u1', file), { type: 'hash' });
    expect(transition(hashing, { type: 'requeue' })).toBe(hashing);
  });
});
