// UrlResolver for the disk store: objects are served by this server under /files/.
import type { SignedUrlOptions, UrlResolver } from '@direct-upload/core';
import { keyUrlPath } from './disk-keys.js';
import type { DiskTokens } from './disk-tokens.js';

export const FILES_PATH = '/files/';

export interface DiskUrlResolverOptions {
  /** External base URL of this server, without a trailing slash. */
  publicUrl: string;
  tokens: DiskTokens;
  /** Current time in milliseconds; tests move it. */
  now?: () => number;
}

export class DiskUrlResolver implements UrlResolver {
  private readonly baseUrl: string;
  private readonly tokens: DiskTokens;
  private readonly now: () => number;

  constructor(options: DiskUrlResolverOptions) {
    this.baseUrl = options.publicUrl.replace(/\/+$/, '');
    this.tokens = options.tokens;
    this.now = options.now ?? Date.now;
  }

  publicUrl(key: string): string {
    return `${this.baseUrl}${FILES_PATH}${keyUrlPath(key)}`;
  }

  /** The stored headers already carry the type and filename, so the token binds only key and expiry. */
  async signedUrl(key: string, options: SignedUrlOptions): Promise<string> {
    const exp = Math.floor(this.now() / 1000) + Math.max(1, Math.floor(options.expiresInSeconds));
    return `${this.baseUrl}${FILES_PATH}${keyUrlPath(key)}?token=${this.tokens.signRead({ key, exp })}`;
  }
}
