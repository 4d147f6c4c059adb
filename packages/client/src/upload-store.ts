// A subscribable store of upload items: every change publishes a new frozen snapshot.
import type { UploadEvent, UploadItem } from './upload-state.js';
import { transition } from './upload-state.js';

export interface UploaderState {
  /** In the order the files were added. */
  readonly items: readonly UploadItem[];
}

export type Listener = (state: UploaderState) => void;

export interface UploadStore {
  getState(): UploaderState;
  subscribe(listener: Listener): () => void;
  get(id: string): UploadItem | undefined;
  add(item: UploadItem): void;
  /** Applies an event; returns the item after it (unchanged when the event did not apply). */
  apply(id: string, event: UploadEvent): UploadItem | undefined;
  remove(id: string): boolean;
}

export function createUploadStore(): UploadStore {
  let state: UploaderState = Object.freeze({ items: Object.freeze([]) as readonly UploadItem[] });
  const listeners = new Set<Listener>();

  function publish(items: UploadItem[]) {
    state = Object.freeze({ items: Object.freeze(items) });
    for (const listener of [...listeners]) listener(state);
  }

  return {
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    get: (id) => state.items.find((item) => item.id === id),
    add(item) {
      if (state.items.some((existing) => existing.id === item.id)) throw new Error(`duplicate upload id ${item.id}`);
      publish([...state.items, item]);
    },
    apply(id, event) {
      const index = state.items.findIndex((item) => item.id === id);
      if (index < 0) return undefined;
      const current = state.items[index]!;
      const next = transition(current, event);
      if (next === current) return current;
      // Progress arrives often; an identical figure is not worth a render.
      if (next.status === 'uploading' && current.status === 'uploading' && next.loaded === current.loaded && next.total === current.total) {
        return current;
      }
      const items = [...state.items];
      items[index] = next;
      publish(items);
      return next;
    },
    remove(id) {
      if (!state.items.some((item) => item.id === id)) return false;
      publish(state.items.filter((item) => item.id !== id));
      return true;
    },
  };
}
