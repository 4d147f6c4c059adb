// SigV4 query-string presigning on node:crypto: the URLs of the SDK's getSignedUrl at a fraction of its cost.
import type { AwsCredentialIdentity } from './s3-client.js';
import { hmacSha256, sha256Hex, type HmacSha256 } from '../../hmac-sha256.js';

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
  mac: HmacSha256;
}

/** [raw name, encoded name, encoded value]: the canonical query sorts by encoded name, the URL by raw name. */
type Param = [string, string, string];

/**
 * The parameters that are not the signer's, as `a=1&` before and `&b=2` after its X-Amz-* block.
 * None of them starts with X-Amz-, so each sorts wholly before or after that block.
 */
interface QueryLayout {
  canonicalBefore: string;
  canonicalAfter: string;
  urlBefore: string;
  urlAfter: string;
}

/** What every URL of one address shares, escaped once. */
interface Route {
  /** `/<region>/<service>/aws4_request`, escaped: the end of X-Amz-Credential. */
  escapedScopeTail: string;
  operationParams: Param[];
  /** The layout of a request that brings no query of its own. */
  operationLayout: QueryLayout;
}

interface CanonicalHeaders {
  lines: string;
  names: string;
  escapedNames: string;
}

export class SigV4Presigner {
  private readonly credentials: CredentialsProvider;
  private readonly locate: BucketLocator;
  private readonly clock: () => Date;
  private readonly addresses = new Map<string, Promise<BucketAddress>>();
  /** Resolved addresses, read synchronously on the hot path. */
  private readonly resolved = new Map<string, BucketAddress>();
  /** Built at the first presign rather than at resolution, so an address that cannot be escaped fails where it always did. */
  private readonly routes = new WeakMap<BucketAddress, Route>();
  private readonly signingKeys = new Map<string, CachedSigningKey>();
  /** Most URLs of a second share its X-Amz-Date. */
  private amzDateSecond = Number.NaN;
  private amzDate = '';
  /** A session token lives for hours and is long: escaped again only when it changes. */
  private sessionToken = '';
  private escapedSessionToken = '';

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

    const amzDate = this.amzDateOf(request.signingDate ?? this.clock());
    const shortDate = amzDate.slice(0, 8);
    const headers = canonicalHeaders(address.host, request.signedHeaders);
    const route = this.routes.get(address) ?? this.routeOf(address);
    const token = credentials.sessionToken ? `&X-Amz-Security-Token=${this.escapeSessionToken(credentials.sessionToken)}` : '';
    // The signer's parameters in the order both sorts give them; X-Amz-Signature joins before X-Amz-SignedHeaders.
    const signerParams =
      `X-Amz-Algorithm=${ALGORITHM}&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD` +
      `&X-Amz-Credential=${uriEscape(credentials.accessKeyId)}%2F${uriEscape(shortDate)}${route.escapedScopeTail}` +
      `&X-Amz-Date=${uriEscape(amzDate)}&X-Amz-Expires=${expiresIn}${token}`;
    const signedHeadersParam = `X-Amz-SignedHeaders=${headers.escapedNames}`;
    const layout = request.query ? queryLayout([...route.operationParams, ...requestParams(request.query, address)]) : route.operationLayout;
    const path = `${address.pathPrefix}/${encodeKey(key)}`;

    const canonicalQuery = `${layout.canonicalBefore}${signerParams}&${signedHeadersParam}${layout.canonicalAfter}`;
    const canonicalRequest = `${method}\n${path}\n${canonicalQuery}\n${headers.lines}\n${headers.names}\nUNSIGNED-PAYLOAD`;
    const scope = `${shortDate}/${address.region}/${address.service}/aws4_request`;
    const stringToSign = `${ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(canonicalRequest)}`;
    const signature = this.signingMac(credentials, shortDate, address.region, address.service).digest(stringToSign, 'hex');
    return `${address.origin}${path}?${layout.urlBefore}${signerParams}&X-Amz-Signature=${signature}&${signedHeadersParam}${layout.urlAfter}`;
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

  private routeOf(address: BucketAddress): Route {
    const operationParams = Object.keys(address.operationQuery).map((name) => param(name, address.operationQuery[name]!));
    const route = {
      escapedScopeTail: uriEscape(`/${address.region}/${address.service}/aws4_request`),
      operationParams,
      operationLayout: queryLayout(operationParams),
    };
    this.routes.set(address, route);
    return route;
  }

  /** toISOString and its slices cost more than the rest of the query; the result only changes with the second. */
  private amzDateOf(date: Date): string {
    const second = Math.floor(date.getTime() / 1000);
    if (second !== this.amzDateSecond) {
      this.amzDate = formatAmzDate(date);
      this.amzDateSecond = second;
    }
    return this.amzDate;
  }

  /** Compared by value on every call, so a refreshed token is signed as soon as the provider returns it. */
  private escapeSessionToken(token: string): string {
    if (token !== this.sessionToken) {
      this.escapedSessionToken = uriEscape(token);
      this.sessionToken = token;
    }
    return this.escapedSessionToken;
  }

  /**
   * The HMAC under the day's signing key. The derived key changes only with the day, so it is
   * derived once per day (and per secret) and kept with its padded blocks ready.
   */
  private signingMac(credentials: AwsCredentialIdentity, shortDate: string, region: string, service: string): HmacSha256 {
    const cacheKey = `${shortDate}\n${region}\n${service}\n${credentials.accessKeyId}`;
    const cached = this.signingKeys.get(cacheKey);
    // A rotated secret under the same key id must not reuse the old derivation.
    if (cached && cached.secret === credentials.secretAccessKey) return cached.mac;

    const dateKey = hmacSha256(`AWS4${credentials.secretAccessKey}`).digest(shortDate);
    const regionKey = hmacSha256(dateKey).digest(region);
    const serviceKey = hmacSha256(regionKey).digest(service);
    const key = hmacSha256(serviceKey).digest('aws4_request');
    this.signingKeys.delete(cacheKey);
    while (this.signingKeys.size >= SIGNING_KEY_CACHE_SIZE) {
      this.signingKeys.delete(this.signingKeys.keys().next().value!);
    }
    const mac = hmacSha256(key);
    this.signingKeys.set(cacheKey, { secret: credentials.secretAccessKey, mac });
    return mac;
  }
}

/** Lower-cased names sorted, values folded the way the SDK folds them (line breaks and runs of blanks to one space). */
function canonicalHeaders(host: string, signed: Readonly<Record<string, string>> = {}): CanonicalHeaders {
  const headers: Array<[name: string, value: string]> = [['host', host]];
  for (const name in signed) {
    const lower = name.toLowerCase();
    if (RESERVED_HEADERS.has(lower) || headers.some(([seen]) => seen === lower)) {
      throw new RangeError(`the header ${name} cannot be signed as given`);
    }
    headers.push([lower, foldValue(signed[name]!)]);
  }
  headers.sort((a, b) => compare(a[0], b[0]));
  let lines = '';
  for (const [name, value] of headers) lines += `${name}:${value}\n`;
  const names = headers.map(([name]) => name).join(';');
  return { lines, names, escapedNames: headers.map(([name]) => uriEscape(name)).join('%3B') };
}

const NEEDS_FOLDING = /[\t\n\r]|  |^ | $/;

function foldValue(value: string): string {
  // search, unlike RegExp.test, refuses a value that is not a string, as the replaces always did.
  if (value.search(NEEDS_FOLDING) < 0) return value;
  return value.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').replace(/^ | $/g, '');
}

/** The request's own parameters, checked and escaped in the order given. */
function requestParams(query: Readonly<Record<string, string>>, address: BucketAddress): Param[] {
  const params: Param[] = [];
  for (const name in query) {
    const lower = name.toLowerCase();
    if (lower.startsWith('x-amz-') || Object.hasOwn(address.operationQuery, name)) {
      throw new RangeError(`the query parameter ${name} is the signer's own`);
    }
    params.push(param(name, query[name]!));
  }
  return params;
}

function param(name: string, value: string): Param {
  return [name, uriEscape(name), uriEscape(value)];
}

function queryLayout(params: Param[]): QueryLayout {
  const [canonicalBefore, canonicalAfter] = around(params, 1);
  const [urlBefore, urlAfter] = around(params, 0);
  return { canonicalBefore, canonicalAfter, urlBefore, urlAfter };
}

/** `name=value` pairs sorted by the raw (0) or encoded (1) name, split around the X-Amz-* block. */
function around(params: Param[], sortBy: 0 | 1): [before: string, after: string] {
  let before = '';
  let after = '';
  for (const [raw, name, value] of [...params].sort((a, b) => compare(a[sortBy], b[sortBy]))) {
    if ((sortBy === 0 ? raw : name) < 'X-Amz-') before += `${name}=${value}&`;
    else after += `&${name}=${value}`;
  }
  return [before, after];
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

/** Anything but unreserved characters and '/' in a key needs escaping segment by segment. */
const RESERVED_IN_KEY = /[^A-Za-z0-9_.~/-]/;

/** S3 object keys in the path: each segment escaped, the slashes (even leading, doubled or trailing) kept. */
function encodeKey(key: string): string {
  if (key.search(RESERVED_IN_KEY) < 0) return key;
  return key.split('/').map(uriEscape).join('/');
}

/** Code-unit order, as Array.prototype.sort orders strings. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
