// `doctor` checks: the bucket answers the server's credentials, and an upload makes the full round trip.
import { createHash } from 'node:crypto';
import { DeleteObjectCommand, HeadBucketCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { S3UploadSigner } from '../adapters/s3/s3-upload-signer.js';
import { checkResult, type CheckResult } from './check-result.js';
import { classifyS3Failure, fixFor } from './s3-failure.js';

export interface BucketCheckOptions {
  client: S3Client;
  bucket: string;
  /** S3_ENDPOINT, for the fix hints. */
  endpoint?: string;
  signal?: AbortSignal;
}

export async function checkBucketAccess(options: BucketCheckOptions): Promise<CheckResult> {
  try {
    await options.client.send(new HeadBucketCommand({ Bucket: options.bucket }), sendOptions(options.signal));
    return checkResult('bucket', 'ok', `HeadBucket "${options.bucket}" succeeded with these credentials`);
  } catch (error) {
    const failure = classifyS3Failure(error);
    // HeadBucket answers a bare 404 for a missing bucket.
    const kind = failure.kind === 'not-found' ? 'no-such-bucket' : failure.kind;
    const detail = kind === 'no-such-bucket' ? `the bucket "${options.bucket}" does not exist (${failure.message})` : `HeadBucket failed: ${failure.message}`;
    return checkResult('bucket', 'fail', detail, fixFor(kind, context(options)));
  }
}

export interface RoundTripOptions extends BucketCheckOptions {
  /** The probe object's key, e.g. incoming/doctor-<uuid>. */
  key: string;
  clock: () => Date;
  fetch?: typeof fetch;
}

const PROBE = new TextEncoder().encode('direct-upload doctor probe\n');

/**
 * The browser's path, not just the SDK's: a presigned PUT (made by the server's own signer, with
 * its checksum header) sent over plain HTTP, then HeadObject and DeleteObject.
 */
export async function checkObjectRoundTrip(options: RoundTripOptions): Promise<CheckResult> {
  const name = 'upload round trip';
  const { key } = options;
  const doFetch = options.fetch ?? fetch;
  const fix = (error: unknown) => fixFor(classifyS3Failure(error).kind, context(options));
  let uploaded = false;
  try {
    let target;
    try {
      const signer = new S3UploadSigner({ client: options.client, bucket: options.bucket, clock: options.clock });
      target = await signer.sign({
        uploadId: 'doctor',
        key,
        contentType: 'text/plain',
        size: PROBE.byteLength,
        checksumSha256: createHash('sha256').update(PROBE).digest('base64'),
        expiresAt: new Date(options.clock().getTime() + 120_000),
      });
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause ?? error;
      return checkResult(name, 'fail', `could not presign a PUT: ${classifyS3Failure(cause).message}`, fix(cause));
    }

    let response: Response;
    try {
      response = await doFetch(target.url, {
        method: target.method,
        headers: target.headers,
        body: PROBE,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      return checkResult(name, 'fail', `the presigned PUT did not reach the store: ${classifyS3Failure(error).message}`, fix(error));
    }
    const body = await response.text().catch(() => '');
    if (!response.ok) {
      const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1] ?? '';
      const message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1] ?? '';
      const failure = classifyS3Failure(Object.assign(new Error(message), { name: code || 'Error', $metadata: { httpStatusCode: response.status } }));
      return checkResult(
        name,
        'fail',
        `the store refused a presigned PUT as a browser sends it: ${failure.message}`,
        failure.kind === 'other' ? undefined : fixFor(failure.kind, context(options)),
      );
    }
    uploaded = true;

    try {
      const head = await options.client.send(new HeadObjectCommand({ Bucket: options.bucket, Key: key }), sendOptions(options.signal));
      if (head.ContentLength !== PROBE.byteLength) {
        return checkResult(name, 'fail', `HeadObject ${key} reports ${head.ContentLength} bytes, ${PROBE.byteLength} were uploaded`);
      }
    } catch (error) {
      return checkResult(name, 'fail', `HeadObject ${key} failed after the upload: ${classifyS3Failure(error).message}`, fix(error));
    }

    try {
      await options.client.send(new DeleteObjectCommand({ Bucket: options.bucket, Key: key }), sendOptions(options.signal));
      uploaded = false;
    } catch (error) {
      return checkResult(name, 'fail', `DeleteObject ${key} failed: ${classifyS3Failure(error).message}`, fix(error));
    }
    return checkResult(name, 'ok', `presigned PUT, HeadObject and DeleteObject of ${key} succeeded`);
  } finally {
    // A probe left behind after a failure is not a record the sweep knows about.
    if (uploaded) {
      await options.client.send(new DeleteObjectCommand({ Bucket: options.bucket, Key: key })).catch(() => undefined);
    }
  }
}

function context(options: BucketCheckOptions) {
  return { bucket: options.bucket, ...(options.endpoint ? { endpoint: options.endpoint } : {}) };
}

function sendOptions(signal: AbortSignal | undefined): { abortSignal?: AbortSignal } {
  return signal ? { abortSignal: signal } : {};
}
