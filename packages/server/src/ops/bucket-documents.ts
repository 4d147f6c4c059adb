// Pure builders of what an S3 bucket needs for direct uploads: CORS, lifecycle, bucket policy, IAM policy.
import type { BucketLifecycleConfiguration, CORSConfiguration, CORSRule, LifecycleRule } from '@aws-sdk/client-s3';
import type { Config } from '../config/config.js';

export interface BucketSettings {
  bucket: string;
  /** CORS_ORIGINS: the origins of the pages that upload; null when unset. */
  corsOrigins: readonly string[] | null;
  defaultVisibility: 'public' | 'private';
  publicPrefix: 'public/';
  incomingPrefix: 'incoming/';
}

/**
 * The headers a browser sends with a direct PUT: the keys of `target.headers` from S3UploadSigner
 * (content-length is set by the browser itself and never needs a CORS grant).
 */
export const BROWSER_PUT_HEADERS = ['content-type', 'x-amz-checksum-sha256'] as const;

/** How long browsers may cache a preflight answer; short, so a changed rule takes effect soon. */
export const CORS_MAX_AGE_SECONDS = 600;

/** Our rules and statements carry these ids, so a second run replaces them and keeps everyone else's. */
export const DOCUMENT_IDS = {
  corsRule: 'direct-upload-browser-uploads',
  expireIncoming: 'direct-upload-expire-incoming',
  abortMultipart: 'direct-upload-abort-incomplete-multipart',
  publicRead: 'DirectUploadPublicRead',
} as const;

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Principal?: '*';
  Action: string | string[];
  Resource: string | string[];
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

export interface BucketDocuments {
  /** For PutBucketCors; null when no CORS_ORIGINS are configured. */
  cors: CORSConfiguration | null;
  /** For PutBucketLifecycleConfiguration. */
  lifecycle: BucketLifecycleConfiguration;
  /** PutBucketPolicy's JSON string; null when uploads are private by default. */
  policy: string | null;
  iam: {
    /** What the server's credentials need at run time. */
    server: PolicyDocument;
    /** What `setup-bucket` additionally needs, only while it runs. */
    setup: PolicyDocument;
  };
}

/** The bucket settings of an S3 configuration; null for the disk store. */
export function bucketSettingsFromConfig(config: Readonly<Config>): BucketSettings | null {
  if (config.storage.kind !== 's3') return null;
  return {
    bucket: config.storage.bucket,
    corsOrigins: config.corsOrigins,
    defaultVisibility: config.upload.defaultVisibility,
    publicPrefix: 'public/',
    incomingPrefix: 'incoming/',
  };
}

export function corsConfiguration(settings: BucketSettings): CORSConfiguration | null {
  if (!settings.corsOrigins || settings.corsOrigins.length === 0) return null;
  return { CORSRules: [corsRule(settings.corsOrigins)] };
}

export function corsRule(origins: readonly string[]): CORSRule {
  return {
    ID: DOCUMENT_IDS.corsRule,
    AllowedOrigins: [...origins],
    // GET and HEAD let the page show a preview of public or signed images.
    AllowedMethods: ['PUT', 'GET', 'HEAD'],
    AllowedHeaders: [...BROWSER_PUT_HEADERS],
    ExposeHeaders: ['ETag'],
    MaxAgeSeconds: CORS_MAX_AGE_SECONDS,
  };
}

export function lifecycleConfiguration(settings: BucketSettings): BucketLifecycleConfiguration {
  return { Rules: lifecycleRules(settings) };
}

/**
 * Both rules are limited to the incoming prefix: the server's abandoned uploads are the only
 * objects this tool may expire, whoever else shares the bucket. The sweep deletes them sooner;
 * these rules are the backstop when no sweep runs.
 */
export function lifecycleRules(settings: BucketSettings): LifecycleRule[] {
  return [
    {
      ID: DOCUMENT_IDS.expireIncoming,
      Status: 'Enabled',
      Filter: { Prefix: settings.incomingPrefix },
      Expiration: { Days: 1 },
    },
    {
      ID: DOCUMENT_IDS.abortMultipart,
      Status: 'Enabled',
      Filter: { Prefix: settings.incomingPrefix },
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
    },
  ];
}

/** Anonymous reads of the public prefix only; incoming/ and private/ stay private. */
export function publicReadStatement(settings: BucketSettings): PolicyStatement {
  return {
    Sid: DOCUMENT_IDS.publicRead,
    Effect: 'Allow',
    Principal: '*',
    Action: 's3:GetObject',
    Resource: `${bucketArn(settings.bucket)}/${settings.publicPrefix}*`,
  };
}

export function bucketPolicy(settings: BucketSettings): string | null {
  if (settings.defaultVisibility !== 'public') return null;
  const policy: PolicyDocument = { Version: '2012-10-17', Statement: [publicReadStatement(settings)] };
  return JSON.stringify(policy);
}

export function iamPolicies(settings: BucketSettings): BucketDocuments['iam'] {
  const bucket = bucketArn(settings.bucket);
  const setupActions = [
    's3:GetBucketCORS',
    's3:PutBucketCORS',
    's3:GetLifecycleConfiguration',
    's3:PutLifecycleConfiguration',
    ...(settings.defaultVisibility === 'public' ? ['s3:GetBucketPolicy', 's3:PutBucketPolicy'] : []),
  ];
  return {
    server: {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DirectUploadObjects',
          Effect: 'Allow',
          // CopyObject (promotion out of incoming/) needs GetObject on the source and PutObject on the target.
          Action: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'],
          Resource: `${bucket}/*`,
        },
        // HeadBucket (readiness, doctor) is authorized by s3:ListBucket.
        { Sid: 'DirectUploadHeadBucket', Effect: 'Allow', Action: 's3:ListBucket', Resource: bucket },
      ],
    },
    setup: {
      Version: '2012-10-17',
      Statement: [{ Sid: 'DirectUploadSetupBucket', Effect: 'Allow', Action: setupActions, Resource: bucket }],
    },
  };
}

export function buildBucketDocuments(settings: BucketSettings): BucketDocuments {
  return {
    cors: corsConfiguration(settings),
    lifecycle: lifecycleConfiguration(settings),
    policy: bucketPolicy(settings),
    iam: iamPolicies(settings),
  };
}

function bucketArn(bucket: string): string {
  return `arn:aws:s3:::${bucket}`;
}
