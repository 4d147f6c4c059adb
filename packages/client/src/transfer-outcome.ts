// Reads the storage's answer to a transfer: S3 speaks XML, the embedded store speaks the API's JSON.
import { UploadError } from './upload-error.js';
import type { TransferResponse } from './transport.js';

export type TransferOutcome =
  | { kind: 'stored' }
  /** The signed URL is past its expiry: a fresh upload gets a fresh one. */
  | { kind: 'expired' }
  | { kind: 'failed'; error: UploadError };

/** S3's error codes that have a catalogue counterpart. */
const S3_CODES: Record<string, string> = {
  EntityTooLarge: 'file_too_large',
  EntityTooSmall: 'size_mismatch',
  IncompleteBody: 'size_mismatch',
  BadDigest: 'checksum_mismatch',
  InvalidDigest: 'checksum_mismatch',
  XAmzContentSHA256Mismatch: 'checksum_mismatch',
  SlowDown: 'service_unavailable',
  ServiceUnavailable: 'service_unavailable',
  InternalError: 'service_unavailable',
};

export function classifyTransfer(response: TransferResponse): TransferOutcome {
  const { status, body } = response;
  if (status >= 200 && status < 300) return { kind: 'stored' };
  const json = jsonError(body);
  const xml = json ? null : xmlError(body);
  if (status === 403 && (json?.code === 'upload_url_expired' || (xml?.code === 'AccessDenied' && /request has expired/i.test(xml.message)))) {
    return { kind: 'expired' };
  }
  // A retried transfer whose first try did arrive: the bytes are there, and `complete` checks them.
  if (status === 409 && json?.code === 'already_uploaded') return { kind: 'stored' };
  if (status === 412 && xml?.code === 'PreconditionFailed') return { kind: 'stored' };

  const retryable = status >= 500 || status === 0;
  if (json) return { kind: 'failed', error: new UploadError(json.code, json.message, { status, retryable, detail: json.message }) };
  const code = (xml && S3_CODES[xml.code]) ?? (retryable ? 'service_unavailable' : 'transfer_failed');
  const message = xml ? `${xml.code}: ${xml.message}` : `The storage answered HTTP ${status}.`;
  return { kind: 'failed', error: new UploadError(code, message, { status, retryable, detail: message }) };
}

function jsonError(body: string): { code: string; message: string } | null {
  if (!body.trimStart().startsWith('{')) return null;
  try {
    const error = (JSON.parse(body) as { error?: { code?: unknown; message?: unknown } }).error;
    if (!error || typeof error.code !== 'string') return null;
    return { code: error.code, message: typeof error.message === 'string' ? error.message : error.code };
  } catch {
    return null;
  }
}

function xmlError(body: string): { code: string; message: string } | null {
  const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
  if (!code) return null;
  return { code: code.trim(), message: (/<Message>([^<]*)<\/Message>/.exec(body)?.[1] ?? '').trim() };
}
