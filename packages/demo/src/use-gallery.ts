// The caller's images, page by page, with reload and delete.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiClient, Image } from '@direct-upload/client';

const PAGE_SIZE = 24;

export interface GalleryState {
  images: Image[];
  nextCursor: string | null;
  status: 'loading' | 'ready' | 'error';
  error: string | null;
}

export interface Gallery extends GalleryState {
  reload(): void;
  loadMore(): void;
  remove(image: Image): Promise<void>;
}

export function useGallery(api: ApiClient): Gallery {
  const [state, setState] = useState<GalleryState>({ images: [], nextCursor: null, status: 'loading', error: null });
  const current = useRef<AbortController | null>(null);

  /** One page; a newer load makes older ones irrelevant, so it aborts them. */
  const load = useCallback(
    (cursor: string | null) => {
      current.current?.abort();
      const controller = new AbortController();
      current.current = controller;
      setState((s) => ({ ...s, status: 'loading', error: null }));
      api.listImages({ limit: PAGE_SIZE, cursor }, controller.signal).then(
        (page) => {
          if (controller.signal.aborted) return;
          setState((s) => ({
            images: cursor ? [...s.images, ...page.images.filter((i) => !s.images.some((known) => known.id === i.id))] : page.images,
            nextCursor: page.nextCursor,
            status: 'ready',
            error: null,
          }));
        },
        (error: unknown) => {
          if (controller.signal.aborted) return;
          setState((s) => ({ ...s, status: 'error', error: (error as Error).message || 'The images could not be loaded.' }));
        },
      );
    },
    [api],
  );

  useEffect(() => {
    load(null);
    return () => current.current?.abort();
  }, [load]);

  const reload = useCallback(() => load(null), [load]);
  const loadMore = useCallback(() => {
    if (state.nextCursor) load(state.nextCursor);
  }, [load, state.nextCursor]);
  const remove = useCallback(
    async (image: Image) => {
      try {
        await api.deleteImage(image.id);
        setState((s) => ({ ...s, images: s.images.filter((i) => i.id !== image.id) }));
      } catch (error) {
        setState((s) => ({ ...s, error: `${image.filename} could not be deleted: ${(error as Error).message}` }));
      }
    },
    [api],
  );

  return { ...state, reload, loadMore, remove };
}
