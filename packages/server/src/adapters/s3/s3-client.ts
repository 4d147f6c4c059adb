// The one S3 client shared by the storage, upload-signer and URL-resolver adapters.
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

/** Static keys (an access key id and secret, optionally a session token). */
export type AwsCredentialIdentity = Exclude<NonNullable<S3ClientConfig['credentials']>, (...args: never[]) => unknown>;

export interface S3ClientOptions {
  region: string;
  /** A custom endpoint (MinIO, R2, a local test server); AWS when absent. */
  endpoint?: string;
  forcePathStyle: boolean;
  /** When absent, the default AWS provider chain (environment, profile, instance role...) supplies them. */
  credentials?: AwsCredentialIdentity;
}

export function createS3Client(options: S3ClientOptions): S3Client {
  return new S3Client({
    region: options.region,
    forcePathStyle: options.forcePathStyle,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    // The SDK's default ('WHEN_SUPPORTED') puts the CRC32 of an empty body into presigned PUT URLs,
    // which some S3-compatible stores then enforce against every real upload.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
