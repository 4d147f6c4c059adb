// A transport on fetch, for runtimes without XMLHttpRequest (Node, workers); progress only at start and end.
import type { Transport } from './transport.js';
import { transferHeaders } from './transport.js';
import { abortedError, networkError } from './upload-error.js';

export function fetchTransport(fetchImpl: typeof fetch = (input, init) => globalThis.fetch(input, init)): Transport {
  return async ({ method, url, headers, body, signal, onProgress }) => {
    onProgress?.(0, body.size);
    let response: Response;
    let text: string;
    try {
      response = await fetchImpl(url, { method, headers: transferHeaders(headers), body, signal });
      text = await response.text();
    } catch (error) {
      if (signal.aborted) throw abortedError(signal.reason);
      throw networkError(error);
    }
    if (response.ok) onProgress?.(body.size, body.size);
    return { status: response.status, body: text };
  };
}
