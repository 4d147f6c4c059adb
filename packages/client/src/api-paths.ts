// Paths of the HTTP API as the browser SDK uses them, kept in step with the protocol's ROUTES.
import type { ROUTES } from '@direct-upload/protocol';

// A local copy rather than an import: the protocol's entry point also carries the zod schemas,
// which would end up in every browser bundle. The type check below and a test keep both equal.
export const API_PATHS = {
  config: '/api/config',
  uploads: '/api/uploads',
  complete: (id: string) => `/api/uploads/${encodeURIComponent(id)}/complete`,
  images: '/api/images',
  image: (id: string) => `/api/images/${encodeURIComponent(id)}`,
} as const satisfies Pick<typeof ROUTES, 'config' | 'uploads' | 'complete' | 'images' | 'image'>;
