// Sentences about a failed file, fit to show a person: they name the file and say what to do.
import { formatBytes } from './format-bytes.js';
import type { UploadError } from './upload-error.js';

export interface MessageContext {
  filename: string;
  /** The server's size limit, when known. */
  maxBytes?: number;
}

export function describeError(error: UploadError, { filename, maxBytes }: MessageContext): string {
  const name = filename || 'The file';
  switch (error.code) {
    case 'unsupported_type':
      return `${name}: this file type is not allowed`;
    case 'file_too_large':
      return maxBytes === undefined ? `${name} is too large` : `${name} is too large (max ${formatBytes(maxBytes)})`;
    case 'empty_file':
      return `${name} is empty`;
    case 'image_too_large':
      return `${name} has too many pixels`;
    case 'invalid_image':
    case 'type_mismatch':
      return `${name} is not a valid image`;
    case 'checksum_mismatch':
    case 'size_mismatch':
      return `${name} was damaged on the way; try again`;
    case 'processing_failed':
      return `${name} could not be processed`;
    case 'processing_timeout':
      return `${name} is taking too long to process; try again later`;
    case 'aborted':
      return `${name}: upload cancelled`;
    case 'network_error':
      return `${name} could not be uploaded: the connection failed; try again`;
    case 'rate_limited':
    case 'too_many_pending_uploads':
      return `${name}: too many uploads at once; try again in a moment`;
    case 'upload_url_expired':
    case 'upload_expired':
      return `${name}: the upload took too long; try again`;
    case 'unauthorized':
      return `${name} could not be uploaded: you are not signed in`;
    case 'transfer_failed':
      return `${name} could not be uploaded: the storage refused it`;
    case 'invalid_response':
      return `${name} could not be uploaded: the server sent an unexpected answer; try again`;
    default:
      if (error.retryable || (error.status !== undefined && error.status >= 500)) {
        return `${name} could not be uploaded: the server is unavailable; try again`;
      }
      return `${name} could not be uploaded: ${error.message}`;
  }
}
