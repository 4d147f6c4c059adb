// Paths of the HTTP API, so that server and clients cannot drift apart.
export const ROUTES = {
  config: '/api/config',
  uploads: '/api/uploads',
  complete: (id: string) => `/api/uploads/${encodeURIComponent(id)}/complete`,
  images: '/api/images',
  image: (id: string) => `/api/images/${encodeURIComponent(id)}`,
  content: (id: string, variant?: string) =>
    `/api/images/${encodeURIComponent(id)}/content${variant ? `?variant=${encodeURIComponent(variant)}` : ''}`,
  health: '/healthz',
  ready: '/readyz',
} as const;
