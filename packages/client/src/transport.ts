// The transfer port: sends a file's bytes to the signed target, reporting progress.

export interface TransferRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Blob;
  signal: AbortSignal;
  onProgress?: (loaded: number, total: number) => void;
}

/** Any HTTP answer, success or not: judging it is the caller's job. */
export interface TransferResponse {
  status: number;
  body: string;
}

/**
 * Sends one request. Resolves with any HTTP answer; rejects with an UploadError
 * `network_error` when no answer came, or `aborted` when the signal fired.
 */
export type Transport = (request: TransferRequest) => Promise<TransferResponse>;

/**
 * Headers the browser derives from the request itself and refuses to take from scripts;
 * the body's own length always equals the signed one, since the body is the file.
 */
const SET_BY_BROWSER = new Set(['content-length', 'host']);

export function transferHeaders(headers: Record<string, string>): [string, string][] {
  return Object.entries(headers).filter(([name]) => !SET_BY_BROWSER.has(name.toLowerCase()));
}
