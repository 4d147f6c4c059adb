// `doctor` check: a real browser preflight, per origin, against an upload URL of the bucket.
import type { S3Client } from '@aws-sdk/client-s3';
import { S3UploadSigner } from '../adapters/s3/s3-upload-signer.js';
import { checkResult, type CheckResult } from './check-result.js';
import { preflightProblems, sendPreflight } from './cors-preflight.js';
import { classifyS3Failure, fixFor } from './s3-failure.js';

export interface CorsCheckOptions {
  client: S3Client;
  bucket: string;
  endpoint?: string;
  /** CORS_ORIGINS; null when unset. */
  corsOrigins: readonly string[] | null;
  /** PUBLIC_URL: without CORS_ORIGINS, the server's own page is the one that uploads. */
  publicUrl: string | null;
  /** A key no object has; only its URL is used. */
  key: string;
  clock: () => Date;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

const PROBE_CHECKSUM = 'ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=';

export async function checkCors(options: CorsCheckOptions): Promise<CheckResult[]> {
  const fromPublicUrl = !options.corsOrigins && options.publicUrl !== null;
  const origins = options.corsOrigins ?? (options.publicUrl ? [new URL(options.publicUrl).origin] : []);
  if (origins.length === 0) {
    return [
      checkResult(
        'cors',
        'warn',
        'neither CORS_ORIGINS nor PUBLIC_URL is set: there is no page origin to check the bucket against',
        'Set CORS_ORIGINS to the origins of the pages that upload, then run `direct-upload setup-bucket`.',
      ),
    ];
  }

  let url: string;
  try {
    // The same URL shape a browser receives: same host, addressing style and query.
    const signer = new S3UploadSigner({ client: options.client, bucket: options.bucket, clock: options.clock });
    const target = await signer.sign({
      uploadId: 'doctor',
      key: options.key,
      contentType: 'image/png',
      size: 1,
      checksumSha256: PROBE_CHECKSUM,
      expiresAt: new Date(options.clock().getTime() + 120_000),
    });
    url = target.url;
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause ?? error;
    const failure = classifyS3Failure(cause);
    return [checkResult('cors', 'fail', `could not presign an upload URL to check: ${failure.message}`, fixFor(failure.kind, context(options)))];
  }

  const results: CheckResult[] = [];
  for (const origin of origins) {
    const name = `cors ${origin}`;
    const source = fromPublicUrl ? ' (from PUBLIC_URL; CORS_ORIGINS is unset)' : '';
    try {
      const answer = await sendPreflight(url, origin, { ...(options.fetch ? { fetch: options.fetch } : {}), ...(options.signal ? { signal: options.signal } : {}) });
      const problems = preflightProblems(answer, origin);
      if (problems.length === 0) {
        results.push(checkResult(name, 'ok', `a browser on ${origin}${source} may PUT with content-type and x-amz-checksum-sha256`));
      } else {
        results.push(
          checkResult(
            name,
            'fail',
            `browsers on ${origin}${source} cannot upload: the bucket's preflight answer is refused (${problems.join('; ')})`,
            fromPublicUrl
              ? `Set CORS_ORIGINS=${origin} (and any other page origins), then run \`direct-upload setup-bucket\`.`
              : "Run `direct-upload setup-bucket` to write the bucket's CORS rule for CORS_ORIGINS (stores without bucket CORS: see docs/storage-providers.md).",
          ),
        );
      }
    } catch (error) {
      const failure = classifyS3Failure(error);
      results.push(checkResult(name, 'fail', `the preflight did not reach the store: ${failure.message}`, fixFor(failure.kind, context(options))));
    }
  }
  return results;
}

function context(options: CorsCheckOptions) {
  return { bucket: options.bucket, ...(options.endpoint ? { endpoint: options.endpoint } : {}) };
}
