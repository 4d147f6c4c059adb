// SigV4 query-string presigning on node:crypto: the URLs of the SDK's getSignedUrl at a fraction of its cost.
import { createHash, createHmac } from 'node:crypto';
import type { AwsCredentialIdentity } from './s3-client.js';

export type PresignMethod = 'PUT' | 'GET' | 'HEAD';

/** Called on every presign: the SDK's providers cache and refresh the identity themselves. */
export type CredentialsProvider = () => Promise<AwsCredentialIdentity>;

/** How one bucket is addressed and which scope signs for it, as the S3 client resolves them. */
export interface BucketAddress {
  /** Scheme and authority, e.g. `https://images.s3.eu-west-3.amazonaws.com` or `http://127.0.0.1:9000`. */
  origin: string;
  /** The `host` header the URL signs: the authority of `origin`. */
  host: string;
  /** What comes before `/<key>` in the path: `''` (virtual-hosted), `/bucket` (path style), a custom base path. */
  pathPrefix: string;
  region: string;
  service: string;
  /** Query parameters the SDK adds for the operation (`x-id=PutObject`), signed like any other. */
  operationQuery: Readonly<Record<string, string>>;
}

export type BucketLocator = (bucket: string, method: PresignMethod) => Promise<BucketAddress>;

export interface SigV4PresignerOptions {
  credentials: CredentialsProvider;
  /** Asked once per bucket and method; a failure is not remembered, so the next presign asks again. */
  locate: BucketLocator;
  clock?: () => Date;
}

export interface PresignRequest {
  method: PresignMethod;
  bucket: string;
  key: string;
  /** Whole seconds, 1 to 604800 (SigV4 refuses presigned URLs that live longer than seven days). */
  expiresIn: number;
  /**
   * Headers the request must carry, all signed and left as headers (never hoisted into the query),
   * e.g. content-type, content-length, x-amz-checksum-sha256. `host` is always signed.
   */
  signedHeaders?: Readonly<Record<string, string>>;
  /** Extra query parameters, e.g. response-content-type, response-content-disposition. */
  query?: Readonly<Record<string, string>>;
  /** The instant to sign at; the clock when absent. */
  signingDate?: Date;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const MAX_EXPIRES_IN = 604_800;
/** A few (date, region, service, key id) combinations at a time: today's, yesterday's around midnight. */
const SIGNING_KEY_CACHE_SIZE = 4;
/** Names whose meaning belongs to the signature itself. */
const RESERVED_HEADERS = new Set(['host', 'authorization', 'x-amz-date', 'x-amz-content-sha256', 'x-amz-security-token']);

interface CachedSigningKey {
  secret: string;
  key: Buffer;
}

export class SigV4Presigner {
  private readonly credentials: CredentialsProvider;
  private readonly locate: BucketLocator;
  private readonly clock: () => Date;
  private readonly addresses = new Map<string, Promise<BucketAddress>>();
  /** Resolved addresses, read synchronously on the hot path. */
  private readonly resolved = new Map<string, BucketAddress>();
  private readonly signingKeys = new Map<string, CachedSigningKey>();

  constructor(options: SigV4PresignerOptions) {
    this.credentials = options.credentials;
    this.locate = options.locate;
    this.clock = options.clock ?? (() => new Date());
  }

  async presign(request: PresignRequest): Promise<string> {
    const { method, bucket, key, expiresIn } = request;
    if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_EXPIRES_IN) {
      throw new RangeError(`expiresIn must be a whole number of seconds from 1 to ${MAX_EXPIRES_IN}, not ${expiresIn}`);
    }
    if (key.length === 0) throw new RangeError('an object key cannot be empty');

    const addressKey = `${method} ${bucket}`;
    const address = this.resolved.get(addressKey) ?? (await this.addressOf(addressKey, bucket, method));
    const credentials = await this.credentials();
    if (typeof credentials?.accessKeyId !== 'string' || typeof credentials.secretAccessKey !== 'string') {
      throw new TypeError('the credentials provider returned no access key id and secret');
    }

    const amzDate = formatAmzDate(request.signingDate ?? this.clock());
    const shortDate = amzDate.slice(0, 8);
    const scope = `${shortDate}/${address.region}/${address.service}/aws4_request`;

    const headers = canonicalHeaders(address.host, request.signedHeaders);
    const signedHeaderNames = headers.map(([name]) => name).join(';');

    // [raw name, encoded name, encoded value]: the canonical query sorts by encoded name, the URL by raw name.
    const params: Array<[string, string, string]> = [];
    const add = (name: string, value: string) => params.push([name, uriEscape(name), uriEscape(value)]);
    add('X-Amz-Algorithm', ALGORITHM);
    add('X-Amz-Content-Sha256', 'UNSIGNED-PAYLOAD');
    add('X-Amz-Credential', `${credentials.accessKeyId}/${scope}`);
    add('X-Amz-Date', amzDate);
    add('X-Amz-Expires', String(expiresIn));
    if (credentials.sessionToken) add('X-Amz-Security-Token', credentials.sessionToken);
    add('X-Amz-SignedHeaders', signedHeaderNames);
    for (const name in address.operationQuery) add(name, address.operationQuery[name]!);
    if (request.query) {
      for (const name in request.query) {
        const lower = name.toLowerCase();
        if (lower.startsWith('x-amz-') || Object.hasOwn(address.operationQuery, name)) {
          throw new RangeError(`the query parameter ${name} is the signer's own`);
        }
        add(name, request.query[name]!);
      }
    }

    params.sort((a, b) => compare(a[1], b[1]));
    let canonicalQuery = '';
    for (const [, name, value] of params) canonicalQuery += `${canonicalQuery ? '&' : ''}${name}=${value}`;
    let canonicalHeaderLines = '';
    for (const [name, value] of headers) canonicalHeaderLines += `${name}:${value}\n`;
    const path = `${address.pathPrefix}/${encodeKey(key)}`;

    const canonicalRequest = `${method}\n${path}\n${canonicalQuery}\n${canonicalHeaderLines}\n${signedHeaderNames}\nUNSIGNED-PAYLOAD`;
    const stringToSign = `${ALGORITHM}\n${amzDate}\n${scope}\n${createHash('sha256').update(canonicalRequest, 'utf8').digest('hex')}`;
    const signingKey = this.signingKey(credentials, shortDate, address.region, address.service);
    const signature = createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');

    params.push(['X-Amz-Signature', 'X-Amz-Signature', signature]);
    params.sort((a, b) => compare(a[0], b[0]));
    let query = '';
    for (const [, name, value] of params) query += `${query ? '&' : ''}${name}=${value}`;
    return `${address.origin}${path}?${query}`;
  }

  private async addressOf(addressKey: string, bucket: string, method: PresignMethod): Promise<BucketAddress> {
    let pending = this.addresses.get(addressKey);
    if (!pending) {
      pending = this.locate(bucket, method).then(
        (address) => {
          this.resolved.set(addressKey, address);
          return address;
        },
        (error: unknown) => {
          this.addresses.delete(addressKey);
          throw error;
        },
      );
      this.addresses.set(addressKey, pending);
    }
    return pending;
  }

  /** The derived key changes only with the day, so it is derived once per day (and per secret). */
  private signingKey(credentials: AwsCredentialIdentity, shortDate: string, region: string, service: string): Buffer {
    const cacheKey = `${shortDate}\n${region}\n${service}\n${credentials.accessKeyId}`;
    const cached = this.signingKeys.get(cacheKey);
    // A rotated secret under the same key id must not reuse the old derivation.
    if (cached && cached.secret === credentials.secretAccessKey) return cached.key;

    const dateKey = hmac(`AWS4${credentials.secretAccessKey}`, shortDate);
    const key = hmac(hmac(hmac(dateKey, region), service), 'aws4_request');
    this.signingKeys.delete(cacheKey);
    while (this.signingKeys.size >= SIGNING_KEY_CACHE_SIZE) {
      this.signingKeys.delete(this.signingKeys.keys().next().value!);
    }
    this.signingKeys.set(cacheKey, { secret: credentials.secretAccessKey, key });
    return key;
  }
}

/** Lower-cased names sorted, values folded the way the SDK folds them (line breaks and runs of blanks to one space). */
function canonicalHeaders(host: string, signed: Readonly<Record<string, string>> = {}): Array<[string, string]> {
  const headers: Array<[string, string]> = [['host', host]];
  const seen = new Set<string>(['host']);
  for (const name in signed) {
    const lower = name.toLowerCase();
    if (RESERVED_HEADERS.has(lower) || seen.has(lower)) {
      throw new RangeError(`the header ${name} cannot be signed as given`);
    }
    seen.add(lower);
    const value = signed[name]!.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').replace(/^ | $/g, '');
    headers.push([lower, value]);
  }
  return headers.sort((a, b) => compare(a[0], b[0]));
}

/** YYYYMMDD'T'HHMMSS'Z', whole seconds. */
function formatAmzDate(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

const UNRESERVED = /^[A-Za-z0-9_.~-]*$/;

/** RFC 3986: everything but the unreserved set percent-encoded as UTF-8, hex in capitals. */
export function uriEscape(value: string): string {
  if (UNRESERVED.test(value)) return value;
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** S3 object keys in the path: each segment escaped, the slashes (even leading, doubled or trailing) kept. */
function encodeKey(key: string): string {
  return key.split('/').map(uriEscape).join('/');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** Code-unit order, as Array.prototype.sort orders strings. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
