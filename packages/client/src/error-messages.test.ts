// Sentences shown to people for failed files.
import { describe, expect, it } from 'vitest';
import { describeError } from './error-messages.js';
import { UploadError } from './upload-error.js';

const context = { filename: 'cat.png', maxBytes: 5 * 1024 * 1024 };

describe('describeError', () => {
  it('names the file and the limit', () => {
    expect(describeError(new UploadError('file_too_large', 'x'), context)).toBe('cat.png is too large (max 5 MB)');
    expect(describeError(new UploadError('unsupported_type', 'x'), context)).toBe('cat.png: this file type is not allowed');
  });

  it('does not show a 5xx detail to people', () => {
    const error = new UploadError('internal_error', 'Something went wrong on our side.', { status: 500, retryable: true });
    expect(describeError(error, context)).toBe('cat.png could not be uploaded: the server is unavailable; try again');
  });

  it('says when the server could not process the image, or took too long', () => {
    expect(describeError(new UploadError('processing_failed', 'The image could not be processed.', { status: 422 }), context)).toBe(
      'cat.png could not be processed',
    );
    expect(describeError(new UploadError('processing_timeout', 'x'), context)).toBe('cat.png is taking too long to process; try again later');
  });

  it("falls back to the server's message for codes it does not know", () => {
    const error = new UploadError('something_new', 'A new rule refused it.', { status: 422 });
    expect(describeError(error, context)).toBe('cat.png could not be uploaded: A new rule refused it.');
  });
});
