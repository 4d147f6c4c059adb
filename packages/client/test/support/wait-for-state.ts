// Resolves when an uploader's store reaches a state a test is waiting for.
import type { Uploader, UploaderState } from '../../src/index.js';

export function waitForState(uploader: Pick<Uploader, 'getState' | 'subscribe'>, predicate: (state: UploaderState) => boolean): Promise<UploaderState> {
  return new Promise((resolve) => {
    if (predicate(uploader.getState())) return resolve(uploader.getState());
    const unsubscribe = uploader.subscribe((state) => {
      if (!predicate(state)) return;
      unsubscribe();
      resolve(state);
    });
  });
}

/** Every status an item went through, in order, without repeats. */
export function recordStatuses(uploader: Pick<Uploader, 'getState' | 'subscribe'>): Map<string, string[]> {
  const history = new Map<string, string[]>();
  const note = (state: UploaderState) => {
    for (const item of state.items) {
      const list = history.get(item.id) ?? [];
      if (list[list.length - 1] !== item.status) list.push(item.status);
      history.set(item.id, list);
    }
  };
  note(uploader.getState());
  uploader.subscribe(note);
  return history;
}
