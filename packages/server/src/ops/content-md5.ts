// Sends bucket-configuration writes with Content-MD5 instead of the SDK's CRC32 checksum headers.
import { createHash } from 'node:crypto';

/**
 * PutBucketCors, PutBucketLifecycleConfiguration and PutBucketPolicy require a body checksum, so
 * the SDK adds `x-amz-checksum-crc32` and `x-amz-sdk-checksum-algorithm` even with
 * requestChecksumCalculation WHEN_REQUIRED. Several S3-compatible stores refuse those headers
 * (NotImplemented or 400) while every one of them, and AWS, accepts the older Content-MD5.
 */
export function withContentMd5<C extends { middlewareStack: unknown }>(command: C): C {
  (command.middlewareStack as MiddlewareStackLike).add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string>; body?: unknown } | undefined;
      const body = request?.body;
      if (request?.headers && (typeof body === 'string' || body instanceof Uint8Array)) {
        for (const name of Object.keys(request.headers)) {
          if (/^x-amz-(sdk-)?checksum-/i.test(name)) delete request.headers[name];
        }
        request.headers['content-md5'] = createHash('md5').update(body).digest('base64');
      }
      return next(args);
    },
    // Low priority in the build step: after the SDK's checksum middleware, before signing.
    { step: 'build', priority: 'low', name: 'directUploadContentMd5' },
  );
  return command;
}

/** The one overload of the SDK's middleware stack used here (its types live in an undeclared package). */
interface MiddlewareStackLike {
  add(
    middleware: (next: (args: { request: unknown }) => Promise<unknown>) => (args: { request: unknown }) => Promise<unknown>,
    options: { step: 'build'; priority: 'low'; name: string },
  ): void;
}
