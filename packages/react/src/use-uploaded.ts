// Calls back once per file that finishes uploading, watching the store itself so that no change is missed.
import { useEffect, useRef } from 'react';
import type { Image, Uploader, UploaderState } from '@direct-upload/client';

const doneIds = (state: UploaderState) => new Set(state.items.filter((item) => item.status === 'done').map((item) => item.id));

export function useUploaded(uploader: Uploader, onUploaded: ((image: Image) => void) | undefined): void {
  const callback = useRef(onUploaded);
  useEffect(() => {
    callback.current = onUploaded;
  });
  useEffect(() => {
    // Files that were done before this component saw the uploader were reported by someone else.
    let seen = doneIds(uploader.getState());
    return uploader.subscribe((state) => {
      for (const item of state.items) {
        if (item.status === 'done' && !seen.has(item.id)) callback.current?.(item.image);
      }
      seen = doneIds(state);
    });
  }, [uploader]);
}
