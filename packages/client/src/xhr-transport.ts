// The default transport in browsers: XMLHttpRequest, the one API that reports upload progress.
import type { Transport } from './transport.js';
import { transferHeaders } from './transport.js';
import { abortedError, networkError } from './upload-error.js';

export function xhrTransport(): Transport {
  return ({ method, url, headers, body, signal, onProgress }) =>
    new Promise((resolve, reject) => {
      if (signal.aborted) return reject(abortedError(signal.reason));
      const xhr = new XMLHttpRequest();
      const onAbort = () => xhr.abort();
      const settle = () => signal.removeEventListener('abort', onAbort);
      xhr.open(method, url, true);
      for (const [name, value] of transferHeaders(headers)) xhr.setRequestHeader(name, value);
      xhr.upload.onprogress = (event) => onProgress?.(event.loaded, event.lengthComputable ? event.total : body.size);
      xhr.onload = () => {
        settle();
        resolve({ status: xhr.status, body: typeof xhr.responseText === 'string' ? xhr.responseText : '' });
      };
      xhr.onerror = () => {
        settle();
        reject(networkError());
      };
      xhr.ontimeout = xhr.onerror;
      xhr.onabort = () => {
        settle();
        reject(abortedError(signal.reason));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      xhr.send(body);
    });
}
