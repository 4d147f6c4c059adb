// BucketLocator through the S3 client: one SDK presign per bucket and method shows where and how the SDK signs.
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { DomainError } from '@direct-upload/core';
import { SigV4Presigner, type BucketAddress, type BucketLocator, type PresignMethod } from './sigv4-presigner.js';

const PROBE_KEY = 'sigv4-probe';

/** The parameters SigV4Presigner writes itself. */
const SIGNATURE_PARAMS = new Set([
  'X-Amz-Algorithm',
  'X-Amz-Content-Sha256',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-Security-Token',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
]);
/** Constant per operation: copied into every URL. */
const OPERATION_PARAMS = new Set(['x-id']);

/**
 * Resolves a bucket exactly as the client does (endpoint rules, path or virtual-hosted style, custom
 * endpoint, signing region and service) by presigning one object URL through the SDK. A client whose
 * URLs carry anything the fast presigner does not write (checksums of an empty body, checksum mode,
 * S3 Express session tokens, SigV4a) is refused rather than signed differently from the SDK.
 */
export function locateThroughClient(client: S3Client): BucketLocator {
  return async (bucket, method) => {
    const input = { Bucket: bucket, Key: PROBE_KEY };
    const command =
      method === 'PUT' ? new PutObjectCommand(input) : method === 'HEAD' ? new HeadObjectCommand(input) : new GetObjectCommand(input);
    return addressFromPresignedUrl(await getSignedUrl(client, command, { expiresIn: 60 }), PROBE_KEY, method);
  };
}

/**
 * The URLs getSignedUrl would give for `client`, byte for byte, without its middleware stack. One
 * per client is enough: the S3 adapters share it (and its caches of addresses and signing keys).
 */
export function presignerFor(client: S3Client): SigV4Presigner {
  return new SigV4Presigner({ credentials: client.config.credentials, locate: locateThroughClient(client) });
}

/** Splits an SDK-presigned URL for `key` into the bucket's address. */
export function addressFromPresignedUrl(url: string, key: string, method: PresignMethod): BucketAddress {
  const refuse = (why: string) => new DomainError('internal_error', `the S3 client presigns ${method} URLs ${why}, which SigV4Presigner does not reproduce`);
  const queryStart = url.indexOf('?');
  const beforeQuery = queryStart < 0 ? url : url.slice(0, queryStart);
  const suffix = `/${key}`;
  if (queryStart < 0 || !beforeQuery.endsWith(suffix)) throw refuse(`as ${url}`);
  const base = /^(https?:\/\/)([^/?#@]+)(\/.*)?$/.exec(beforeQuery.slice(0, -suffix.length));
  if (!base) throw refuse(`under ${beforeQuery}`);

  const query = new URLSearchParams(url.slice(queryStart + 1));
  const extra = [...query.keys()].filter((name) => !SIGNATURE_PARAMS.has(name) && !OPERATION_PARAMS.has(name));
  if (extra.length > 0) throw refuse(`with ${extra.join(', ')}`);
  const algorithm = query.get('X-Amz-Algorithm');
  if (algorithm !== 'AWS4-HMAC-SHA256') throw refuse(`with the algorithm ${algorithm}`);
  const payload = query.get('X-Amz-Content-Sha256');
  if (payload !== 'UNSIGNED-PAYLOAD') throw refuse(`with the payload hash ${payload}`);
  const signedHeaders = query.get('X-Amz-SignedHeaders');
  if (signedHeaders !== 'host') throw refuse(`signing ${signedHeaders} for a bare request`);
  // <access key id>/<date>/<region>/<service>/aws4_request
  const scope = (query.get('X-Amz-Credential') ?? '').split('/');
  const [region, service, terminator] = scope.slice(-3);
  if (scope.length < 5 || !region || !service || terminator !== 'aws4_request') throw refuse(`with the credential scope ${scope.join('/')}`);

  const operationQuery: Record<string, string> = {};
  for (const name of OPERATION_PARAMS) {
    const value = query.get(name);
    if (value !== null) operationQuery[name] = value;
  }
  return { origin: `${base[1]}${base[2]}`, host: base[2]!, pathPrefix: base[3] ?? '', region, service, operationQuery };
}
