// Sorts what an S3-compatible store (or the way to it) answered into what an operator can act on.

export type S3FailureKind =
  /** The store does not implement the call (NotImplemented, 501, 405, MethodNotAllowed). */
  | 'unsupported'
  /** The bucket has no such configuration yet (NoSuchCORSConfiguration, ...). */
  | 'no-configuration'
  | 'no-such-bucket'
  | 'not-found'
  | 'access-denied'
  | 'credentials'
  | 'wrong-region'
  | 'clock-skew'
  | 'unreachable'
  | 'aborted'
  | 'other';

export interface S3Failure {
  kind: S3FailureKind;
  /** One line: the error code, HTTP status and the store's message. */
  message: string;
}

const UNSUPPORTED_CODES = new Set(['NotImplemented', 'MethodNotAllowed']);
const NO_CONFIGURATION_CODES = new Set(['NoSuchCORSConfiguration', 'NoSuchLifecycleConfiguration', 'NoSuchBucketPolicy']);
const CREDENTIAL_CODES = new Set([
  'CredentialsProviderError',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidToken',
  'ExpiredToken',
  'InvalidClientTokenId',
]);
const REGION_CODES = new Set(['PermanentRedirect', 'AuthorizationHeaderMalformed', 'IllegalLocationConstraintException']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EPIPE']);

interface ErrorLike {
  name?: unknown;
  Code?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  $metadata?: { httpStatusCode?: number };
}

export function classifyS3Failure(error: unknown): S3Failure {
  const e = (error && typeof error === 'object' ? error : {}) as ErrorLike;
  const name = typeof e.Code === 'string' ? e.Code : typeof e.name === 'string' ? e.name : 'Error';
  const status = e.$metadata?.httpStatusCode;
  const networkCode = findNetworkCode(error);
  const message = oneLine(name, status, typeof e.message === 'string' ? e.message : String(error), networkCode);

  if (name === 'AbortError' || name === 'TimeoutError') return { kind: 'aborted', message };
  if (networkCode) return { kind: 'unreachable', message };
  if (UNSUPPORTED_CODES.has(name) || status === 501 || status === 405) return { kind: 'unsupported', message };
  if (NO_CONFIGURATION_CODES.has(name)) return { kind: 'no-configuration', message };
  if (name === 'NoSuchBucket') return { kind: 'no-such-bucket', message };
  if (CREDENTIAL_CODES.has(name)) return { kind: 'credentials', message };
  if (REGION_CODES.has(name) || status === 301) return { kind: 'wrong-region', message };
  // A presigned URL refused as expired right after it was made: this host's clock is behind.
  if (name === 'RequestTimeTooSkewed' || /request has expired/i.test(message)) return { kind: 'clock-skew', message };
  if (name === 'AccessDenied' || status === 403) return { kind: 'access-denied', message };
  if (name === 'NotFound' || name === 'NoSuchKey' || status === 404) return { kind: 'not-found', message };
  return { kind: 'other', message };
}

export interface FixContext {
  bucket: string;
  /** S3_ENDPOINT; AWS when absent. */
  endpoint?: string;
}

/** A concrete next step for the operator, or undefined when the failure speaks for itself. */
export function fixFor(kind: S3FailureKind, context: FixContext): string | undefined {
  const where = context.endpoint ? `S3_ENDPOINT (${context.endpoint})` : 'the AWS endpoint (S3_ENDPOINT unset)';
  switch (kind) {
    case 'credentials':
      return 'Check the credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE): they must be keys of the store at S3_ENDPOINT.';
    case 'access-denied':
      return 'Grant the credentials the IAM policy printed by `direct-upload setup-bucket --dry-run` on this bucket.';
    case 'no-such-bucket':
    case 'not-found':
      return `Create the bucket "${context.bucket}", or fix S3_BUCKET (and S3_ENDPOINT / S3_REGION if it lives elsewhere).`;
    case 'wrong-region':
      return "Set S3_REGION to the bucket's region (R2: auto; B2: the region in its endpoint).";
    case 'clock-skew':
      return "Synchronise this host's clock (NTP): SigV4 refuses requests more than 15 minutes off.";
    case 'unreachable':
      return `Check ${where} and that the store is running and reachable from this host.`;
    case 'aborted':
      return `The store did not answer in time: check ${where}.`;
    default:
      return undefined;
  }
}

/** Node network errors sit on the error itself or, from fetch, on its cause (or the cause's errors). */
function findNetworkCode(error: unknown, depth = 0): string | null {
  if (!error || typeof error !== 'object' || depth > 3) return null;
  const e = error as ErrorLike & { errors?: unknown };
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return e.code;
  if (Array.isArray(e.errors)) {
    for (const inner of e.errors) {
      const code = findNetworkCode(inner, depth + 1);
      if (code) return code;
    }
  }
  return findNetworkCode(e.cause, depth + 1);
}

function oneLine(name: string, status: number | undefined, message: string, networkCode: string | null): string {
  const parts = [name];
  if (status !== undefined) parts.push(`(HTTP ${status})`);
  let text = parts.join(' ');
  // HEAD answers carry no body, so the SDK's message is only "UnknownError".
  if (message && message !== name && message !== 'UnknownError') text += `: ${message}`;
  if (networkCode && !text.includes(networkCode)) text += ` [${networkCode}]`;
  return text;
}
