// A small HTTP client for tests: a cookie jar per "browser", JSON helpers and the browser's PUT.
import { createHash } from 'node:crypto';

export interface Reply<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export class Browser {
  private cookie = '';

  constructor(
    readonly base: string,
    private readonly extraHeaders: Record<string, string> = {},
  ) {}

  /** The session cookie, as a Cookie header value (empty before the first answer). */
  get cookieHeader(): string {
    return this.cookie;
  }

  /** The same browser (same cookies) talking to another address, e.g. after a restart. */
  moveTo(base: string): Browser {
    const moved = new Browser(base, this.extraHeaders);
    moved.cookie = this.cookie;
    return moved;
  }

  async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
    const response = await fetch(new URL(path, this.base), {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...this.extraHeaders,
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0]!;
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed as T };
  }

  /** create -> PUT bytes to the target -> complete, as a browser would. */
  async upload(bytes: Uint8Array, declared: { contentType: string; filename?: string; visibility?: string; checksum?: boolean; size?: number }) {
    const created = await this.request('POST', '/api/uploads', {
      filename: declared.filename ?? 'image',
      contentType: declared.contentType,
      size: declared.size ?? bytes.byteLength,
      ...(declared.visibility ? { visibility: declared.visibility } : {}),
      ...(declared.checksum ? { checksum: { algorithm: 'sha256', value: sha256(bytes) } } : {}),
    });
    if (created.status !== 201) throw new Error(`create answered ${created.status}: ${JSON.stringify(created.body)}`);
    const put = await send(created.body.target, bytes);
    const complete = await this.request('POST', `/api/uploads/${created.body.upload.id}/complete`);
    return { created, put, complete };
  }
}

export async function send(target: { method: string; url: string; headers: Record<string, string> }, bytes: Uint8Array): Promise<Reply> {
  const response = await fetch(target.url, { method: target.method, headers: target.headers, body: bytes as Uint8Array<ArrayBuffer> });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

export async function fetchBytes(url: string): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const response = await fetch(url);
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64');
