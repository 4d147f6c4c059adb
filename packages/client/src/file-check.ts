// The checks a file must pass before any request about it: the server's allowed types and size limit.
import type { ClientConfig } from '@direct-upload/protocol';
import { describeError } from './error-messages.js';
import { UploadError } from './upload-error.js';

/** What the SDK needs of a file: a Blob with a name (a browser File is one). */
export type UploadFile = Blob & { readonly name: string };

export function checkFile(file: UploadFile, config: Pick<ClientConfig, 'allowedTypes' | 'maxBytes'>): UploadError | null {
  const type = file.type.trim().toLowerCase();
  const context = { filename: file.name, maxBytes: config.maxBytes };
  const refuse = (code: 'unsupported_type' | 'file_too_large' | 'empty_file') => {
    const error = new UploadError(code, code);
    return error.withMessage(describeError(error, context));
  };
  if (!config.allowedTypes.some((allowed) => allowed.toLowerCase() === type)) return refuse('unsupported_type');
  if (file.size > config.maxBytes) return refuse('file_too_large');
  if (file.size === 0) return refuse('empty_file');
  return null;
}
