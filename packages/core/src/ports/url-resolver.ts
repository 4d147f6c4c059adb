// UrlResolver port: the URL a browser uses to fetch a stored object.

export interface SignedUrlOptions {
  expiresInSeconds: number;
  contentType: string;
  filename: string;
}

export interface UrlResolver {
  /** A stable URL for objects under the public prefix. */
  publicUrl(key: string): string;
  /** A short-lived URL that alone grants reading one object. */
  signedUrl(key: string, options: SignedUrlOptions): Promise<string>;
}
