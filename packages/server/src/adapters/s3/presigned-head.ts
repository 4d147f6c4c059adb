// HEAD of one object through a presigned URL on kept-alive connections: the cheap existence check of `complete`.
import http from 'node:http';
import https from 'node:https';

export interface HeadAnswer {
  status: number;
  contentLength: number | undefined;
  contentType: string | undefined;
}

/** A HEAD that has not answered after this long fails (the store counts as unavailable). */
const TIMEOUT_MS = 10_000;

/*
 * The SDK's HeadObjectCommand runs its whole middleware stack (endpoint rules, signing, retries,
 * deserializers) on every call and cost more CPU than the rest of `complete`. A HEAD has no body
 * either way, so a presigned URL and a plain request do the same for much less.
 */
export class PresignedHead {
  private readonly agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
  };

  send(url: string, signal?: AbortSignal): Promise<HeadAnswer> {
    return new Promise((resolve, reject) => {
      // As the SDK does: an AbortError whose cause is the caller's reason.
      const aborted = () => Object.assign(new Error('The HEAD request was aborted', { cause: signal?.reason }), { name: 'AbortError' });
      if (signal?.aborted) return reject(aborted());
      const protocol = url.startsWith('https:') ? 'https:' : 'http:';
      const request = (protocol === 'https:' ? https : http).request(url, { method: 'HEAD', agent: this.agents[protocol], timeout: TIMEOUT_MS });
      // One listener, gone with the answer: node:http's own `signal` option follows the request's whole
      // stream life with several listeners, which cost each `complete` about 10 µs more.
      const onAbort = () => request.destroy(aborted());
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = () => signal?.removeEventListener('abort', onAbort);
      request.on('response', (response) => {
        settle();
        response.resume();
        const length = response.headers['content-length'];
        resolve({
          status: response.statusCode ?? 0,
          contentLength: length === undefined ? undefined : Number(length),
          contentType: response.headers['content-type'],
        });
      });
      request.on('timeout', () => request.destroy(new Error(`HEAD timed out after ${TIMEOUT_MS} ms`)));
      request.on('error', (error) => {
        settle();
        reject(signal?.aborted ? aborted() : error);
      });
      request.end();
    });
  }

  close(): void {
    this.agents['http:'].destroy();
    this.agents['https:'].destroy();
  }
}
