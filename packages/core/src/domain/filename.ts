// Display filenames: kept only as metadata, cleaned so they are safe to show and to put in headers.
import { FILENAME_MAX } from '@direct-upload/protocol';

// Control characters, bidi overrides and path separators have no place in a name we show.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069/\\]/g;

export function cleanFilename(name: string): string {
  const base = name.replace(UNSAFE, '_').replace(/^\.+/, '').trim();
  // The limit counts code points; a name of no more UTF-16 units than that cannot exceed it.
  const limited = base.length <= FILENAME_MAX ? base : [...base].slice(0, FILENAME_MAX).join('');
  return limited.length > 0 ? limited : 'file';
}

/** A Content-Disposition value that survives any filename (RFC 6266 / RFC 5987). */
export function contentDisposition(kind: 'inline' | 'attachment', filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}
