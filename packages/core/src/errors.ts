// The error that use cases and adapters throw: a catalogue code, never an HTTP status.
import type { ErrorCode } from '@direct-upload/protocol';

export interface DomainErrorOptions {
  /** Seconds the caller should wait before trying again (429, 503). */
  retryAfterSeconds?: number;
  cause?: unknown;
}

export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message?: string, options: DomainErrorOptions = {}) {
    super(message ?? code, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DomainError';
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function isDomainError(error: unknown, code?: ErrorCode): error is DomainError {
  return error instanceof DomainError && (code === undefined || error.code === code);
}

/** Wraps a failure of a backing service (database, object store) so callers answer 503, not 500. */
export function unavailable(what: string, cause: unknown): DomainError {
  return new DomainError('service_unavailable', `${what} is unavailable`, { cause, retryAfterSeconds: 5 });
}
