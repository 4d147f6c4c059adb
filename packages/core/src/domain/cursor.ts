// Opaque pagination cursors for "newest first" listings: (completedAt, id) of the last item seen.

export interface Position {
  completedAt: Date;
  id: string;
}

const toBase64Url = (text: string): string =>
  btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

const fromBase64Url = (text: string): string => atob(text.replace(/-/g, '+').replace(/_/g, '/'));

export function encodeCursor(position: Position): string {
  return toBase64Url(`${position.completedAt.getTime()}.${position.id}`);
}

/** The position, or null when the cursor was not made by `encodeCursor`. */
export function decodeCursor(cursor: string): Position | null {
  let text: string;
  try {
    text = fromBase64Url(cursor);
  } catch {
    return null;
  }
  const match = /^(\d{1,15})\.([A-Za-z0-9-]{1,64})$/.exec(text);
  if (!match) return null;
  return { completedAt: new Date(Number(match[1])), id: match[2]! };
}
