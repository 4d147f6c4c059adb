// React bindings of the uploader store: one uploader per component, read with useSyncExternalStore.
import { useEffect, useState, useSyncExternalStore } from 'react';
import { createUploader, type Uploader, type UploaderOptions, type UploaderState } from '@direct-upload/client';

export interface UseUploaderResult extends UploaderState {
  uploader: Uploader;
  add: Uploader['add'];
  upload: Uploader['upload'];
  cancel: Uploader['cancel'];
  retry: Uploader['retry'];
  remove: Uploader['remove'];
}

const ACTIVE = new Set(['queued', 'hashing', 'uploading', 'verifying', 'processing']);

/** The current snapshot of an uploader's store; re-renders on each change. */
export function useUploaderState(uploader: Uploader): UploaderState {
  return useSyncExternalStore(uploader.subscribe, uploader.getState, uploader.getState);
}

/**
 * Creates an uploader on first render and keeps it for the component's life; later changes to
 * `options` are not applied. Files still in flight are cancelled when the component unmounts.
 */
export function useUploader(options: UploaderOptions = {}): UseUploaderResult {
  const [uploader] = useState(() => createUploader(options));
  useCancelOnUnmount(uploader);
  const state = useUploaderState(uploader);
  return {
    ...state,
    uploader,
    add: uploader.add,
    upload: uploader.upload,
    cancel: uploader.cancel,
    retry: uploader.retry,
    remove: uploader.remove,
  };
}

export function useCancelOnUnmount(uploader: Uploader | null): void {
  useEffect(() => {
    if (!uploader) return undefined;
    return () => {
      for (const item of uploader.getState().items) if (ACTIVE.has(item.status)) uploader.cancel(item.id);
    };
  }, [uploader]);
}
