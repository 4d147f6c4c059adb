// A stable link to an image's bytes: the server answers it with a redirect to the current URL.
import { ROUTES } from '@direct-upload/protocol/browser';

/**
 * `{endpoint}/api/images/{id}/content`, with `?variant=` when a variant (e.g. `thumb`) is named.
 * Unlike `image.url`, which may be a signed URL that expires, it stays valid as long as the image.
 * An empty endpoint gives a path on the page's own origin.
 */
export function contentUrl(endpoint: string, id: string, variant?: string): string {
  return `${endpoint.replace(/\/+$/, '')}${ROUTES.content(id, variant || undefined)}`;
}
