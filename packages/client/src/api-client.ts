// The SDK's calls to the JSON API: request building, credentials and error decoding, nothing more.
import type { ClientConfig, CreateUploadRequest, CreateUploadResponse, ListImagesResponse } from '@direct-upload/protocol';
import { ROUTES } from '@direct-upload/protocol/browser';
import {
  parseClientConfig,
  parseCompleteResponse,
  parseCreateUploadResponse,
  parseListImagesResponse,
  type CompleteResult,
} from './response-shapes.js';
import { abortedError, networkError, UploadError } from './upload-error.js';

export type HeaderSource = () => Record<string, string> | Promise<Record<string, string>>;

export interface ApiClientOptions {
  /** Base URL of the API; '' (the default) means the page's own origin. */
  endpoint?: string;
  /** Headers for every API call (not for the transfer, which uses the target's headers only). */
  headers?: Record<string, string>;
  /** Called before every API call, e.g. to attach a fresh bearer token. */
  getHeaders?: HeaderSource;
  /** 'same-origin' by default; 'include' when the API is on another origin and uses a cookie. */
  credentials?: RequestCredentials;
  /** A fetch to use instead of the global one. */
  fetch?: typeof fetch;
}

export interface ApiClient {
  getConfig(signal?: AbortSignal): Promise<ClientConfig>;
  createUpload(body: CreateUploadRequest, signal?: AbortSignal): Promise<CreateUploadResponse>;
  /**
   * Asks the server to finish an upload whose bytes were sent. Idempotent: the image once it is
   * ready, `processing` while the server still works on it (call again later), or the refusal.
   */
  completeUpload(id: string, signal?: AbortSignal): Promise<CompleteResult>;
  listImages(query?: { limit?: number; cursor?: string | null }, signal?: AbortSignal): Promise<ListImagesResponse>;
  deleteImage(id: string, signal?: AbortSignal): Promise<void>;
  /** An absolute URL for a path or URL the server returned (upload targets may be relative). */
  resolveUrl(url: string): string;
}

export function createApiClient(options: ApiClientOptions = {}): ApiClient {
  const endpoint = (options.endpoint ?? '').replace(/\/+$/, '');
  const credentials = options.credentials ?? 'same-origin';
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const session = createSessionGate();

  async function request(method: string, path: string, body: unknown, signal: AbortSignal | undefined): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers, ...(await options.getHeaders?.()) };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await doFetch(`${endpoint}${path}`, {
        method,
        headers,
        credentials,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (signal?.aborted) throw abortedError(error);
      throw networkError(error);
    }
    if (!response.ok) throw await errorFromResponse(response);
    return response;
  }

  async function json<T>(response: Response, parse: (value: unknown) => T | null): Promise<T> {
    let value: unknown;
    try {
      value = await response.json();
    } catch (error) {
      throw invalidResponse(response.status, error);
    }
    const parsed = parse(value);
    if (parsed === null) throw invalidResponse(response.status);
    return parsed;
  }

  return {
    async getConfig(signal) {
      return json(await request('GET', ROUTES.config, undefined, signal), parseClientConfig);
    },
    async createUpload(body, signal) {
      return session.run(async () => json(await request('POST', ROUTES.uploads, body, signal), parseCreateUploadResponse));
    },
    async completeUpload(id, signal) {
      return session.run(async () => {
        const response = await request('POST', ROUTES.complete(id), {}, signal);
        const result = await json(response, parseCompleteResponse);
        const retryAfterMs = result.status === 'processing' ? parseRetryAfter(response.headers.get('retry-after')) : undefined;
        return retryAfterMs === undefined ? result : { ...result, retryAfterMs };
      });
    },
    async listImages(query = {}, signal) {
      const params = new URLSearchParams();
      if (query.limit !== undefined) params.set('limit', String(query.limit));
      if (query.cursor) params.set('cursor', query.cursor);
      const search = params.toString() ? `?${params}` : '';
      return session.run(async () => json(await request('GET', `${ROUTES.images}${search}`, undefined, signal), parseListImagesResponse));
    },
    async deleteImage(id, signal) {
      await session.run(() => request('DELETE', ROUTES.image(id), undefined, signal));
    },
    resolveUrl(url) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return url;
      if (endpoint) return new URL(url, `${endpoint}/`).href;
      const base = (globalThis as { location?: { href: string } }).location?.href;
      return base ? new URL(url, base).href : url;
    },
  };
}

/**
 * In anonymous mode the server hands out its session cookie with the first authenticated answer.
 * Calls sent together before that answer arrives would each get a different anonymous owner, and
 * the browser would keep only the last cookie; so the first such call goes alone, the rest wait for it.
 */
function createSessionGate() {
  let established = false;
  let first: Promise<unknown> | null = null;
  return {
    async run<T>(call: () => Promise<T>): Promise<T> {
      while (!established) {
        if (first) {
          await first.catch(() => undefined);
          continue;
        }
        const attempt = call();
        first = attempt;
        try {
          const result = await attempt;
          established = true;
          return result;
        } catch (error) {
          // Any answer from the server (even an error) carried its cookie; a lost request did not.
          if (error instanceof UploadError && error.status !== undefined) established = true;
          throw error;
        } finally {
          first = null;
        }
      }
      return call();
    },
  };
}

function invalidResponse(status: number, cause?: unknown): UploadError {
  return new UploadError('invalid_response', 'The server sent an unexpected answer.', { status, retryable: false, cause });
}

/** Decodes `{error:{code,message}}`; anything else becomes a code from the status alone. */
export async function errorFromResponse(response: Response): Promise<UploadError> {
  const status = response.status;
  const retryable = status >= 500;
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
  const extra = { status, retryable, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy's error page, for instance): the status has to do.
  }
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (error && typeof error.code === 'string') {
    const message = typeof error.message === 'string' ? error.message : error.code;
    return new UploadError(error.code, message, { ...extra, detail: message });
  }
  const code = retryable ? 'service_unavailable' : 'invalid_response';
  return new UploadError(code, `The server answered HTTP ${status}.`, extra);
}

function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
