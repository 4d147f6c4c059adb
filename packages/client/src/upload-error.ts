// The one error type of the SDK: the server's catalogue code or a client code, and a message for people.
import type { ErrorCode } from '@direct-upload/protocol';

/** Failures the browser detects itself, before or beside the server. */
export type ClientErrorCode =
  | 'network_error'
  | 'aborted'
  | 'unsupported_type'
  | 'file_too_large'
  | 'empty_file'
  | 'transfer_failed'
  | 'invalid_response'
  /** The server was still processing the image when the uploader's `processingTimeoutMs` ran out. */
  | 'processing_timeout';

export type UploadErrorCode = ErrorCode | ClientErrorCode;

export interface UploadErrorOptions {
  /** HTTP status of the response that failed, when there was one. */
  status?: number;
  /** Whether the same request may succeed when sent again (network failures, 5xx). */
  retryable?: boolean;
  /** Server's Retry-After, in milliseconds. */
  retryAfterMs?: number;
  /** The server's own wording, kept for logs; `message` is the one to show. */
  detail?: string;
  cause?: unknown;
}

export class UploadError extends Error {
  readonly code: UploadErrorCode | (string & {});
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly detail: string | undefined;

  constructor(code: UploadErrorCode | (string & {}), message: string, options: UploadErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UploadError';
    this.code = code;
    this.status = options.status;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
    this.detail = options.detail;
  }

  /** A copy whose message names the file it is about. */
  withMessage(message: string): UploadError {
    return new UploadError(this.code, message, {
      ...(this.status === undefined ? {} : { status: this.status }),
      retryable: this.retryable,
      ...(this.retryAfterMs === undefined ? {} : { retryAfterMs: this.retryAfterMs }),
      detail: this.detail ?? this.message,
      cause: this.cause ?? this,
    });
  }
}

export function isUploadError(value: unknown, code?: string): value is UploadError {
  return value instanceof UploadError && (code === undefined || value.code === code);
}

export function abortedError(cause?: unknown): UploadError {
  return new UploadError('aborted', 'The upload was cancelled.', { cause });
}

export function networkError(cause?: unknown): UploadError {
  return new UploadError('network_error', 'The network connection failed.', { retryable: true, cause });
}

/** Rejects with an `aborted` UploadError when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError(signal.reason);
}
