// The one error catalogue of the HTTP API: stable code -> HTTP status -> default message.

export const ERRORS = {
  invalid_request: { status: 400, message: 'The request is malformed.' },
  unauthorized: { status: 401, message: 'Missing or invalid credentials.' },
  invalid_upload_token: { status: 403, message: 'The upload URL is invalid.' },
  upload_url_expired: { status: 403, message: 'The upload URL has expired; request a new upload.' },
  not_found: { status: 404, message: 'Not found.' },
  method_not_allowed: { status: 405, message: 'Method not allowed.' },
  not_uploaded: { status: 409, message: 'The file has not been uploaded yet.' },
  already_uploaded: { status: 409, message: 'The file for this upload has already been received.' },
  upload_in_progress: { status: 409, message: 'The upload is being verified; try again shortly.' },
  upload_not_pending: { status: 409, message: 'The upload no longer accepts bytes.' },
  upload_expired: { status: 410, message: 'The upload has expired; start a new one.' },
  file_too_large: { status: 413, message: 'The file is larger than allowed.' },
  body_too_large: { status: 413, message: 'The request body is too large.' },
  unsupported_type: { status: 415, message: 'This file type is not allowed.' },
  unsupported_media_type: { status: 415, message: 'The request body must be JSON.' },
  size_mismatch: { status: 422, message: 'The uploaded file size does not match the declared size.' },
  type_mismatch: { status: 422, message: 'The uploaded file is not of the declared type.' },
  checksum_mismatch: { status: 422, message: 'The uploaded file does not match the declared checksum.' },
  invalid_image: { status: 422, message: 'The uploaded file is not a valid image.' },
  image_too_large: { status: 422, message: 'The image has more pixels or frames than allowed.' },
  processing_failed: { status: 422, message: 'The image could not be processed.' },
  rate_limited: { status: 429, message: 'Too many requests; slow down.' },
  too_many_pending_uploads: { status: 429, message: 'Too many unfinished uploads; complete or wait for some.' },
  internal_error: { status: 500, message: 'Something went wrong on our side.' },
  service_unavailable: { status: 503, message: 'A service we depend on is unavailable; try again shortly.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERRORS, value);
}

export function statusOf(code: ErrorCode): number {
  return ERRORS[code].status;
}

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}
