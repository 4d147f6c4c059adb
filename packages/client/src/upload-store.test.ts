// The store: immutable snapshots, notifications and removal.
import { describe, expect, it } from 'vitest';
import { createUploadStore, type UploaderState } from './upload-store.js';
import { initialItem } from './upload-state.js';

const file = (name: string) => new File([new Uint8Array([1])], name, { type: 'image/png' });

describe('upload store', () => {
  it('publishes a new frozen snapshot per change and keeps unchanged items as they were', () => {
    const store = createUploadStore();
    const seen: UploaderState[] = [];
    store.subscribe((state) => seen.push(state));
    store.add(initialItem('a', file('a.png')));
    store.add(initialItem('b', file('b.png')));
    const before = store.getState();
    store.apply('b', { type: 'hash' });
    const after = store.getState();

    expect(seen).toHaveLength(3);
    expect(seen[2]).toBe(after);
    expect(after).not.toBe(before);
    expect(Object.isFrozen(after)).toBe(true);
    expect(Object.isFrozen(after.items)).toBe(true);
    expect(after.items[0]).toBe(before.items[0]);
    expect(before.items[1]!.status).toBe('queued');
    expect(after.items.map((i) => i.status)).toEqual(['queued', 'hashing']);
  });

  it('does not publish when an event does not apply or changes nothing', () => {
    const store = createUploadStore();
    store.add(initialItem('a', file('a.png')));
    store.apply('a', { type: 'progress', loaded: 0, total: 1 });
    let calls = 0;
    store.subscribe(() => void (calls += 1));
    store.apply('a', { type: 'progress', loaded: 0, total: 1 });
    store.apply('a', { type: 'requeue' });
    store.apply('missing', { type: 'hash' });
    expect(calls).toBe(0);
    store.apply('a', { type: 'progress', loaded: 1, total: 1 });
    expect(calls).toBe(1);
  });

  it('stops calling a listener once it unsubscribed', () => {
    const store = createUploadStore();
    let calls = 0;
    const unsubscribe = store.subscribe(() => void (calls += 1));
    store.add(initialItem('a', file('a.png')));
    unsubscribe();
    store.add(initialItem('b', file('b.png')));
    expect(calls).toBe(1);
  });

  it('removes items and refuses duplicate ids', () => {
    const store = createUploadStore();
    store.add(initialItem('a', file('a.png')));
    expect(() => store.add(initialItem('a', file('a.png')))).toThrow(/duplicate/);
    expect(store.remove('a')).toBe(true);
    expect(store.remove('a')).toBe(false);
    expect(store.getState().items).toEqual([]);
  });
});
