// `setup-bucket`: writes the CORS rule, lifecycle rules and public-read policy a bucket needs, or shows them.
import {
  GetBucketCorsCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  PutBucketCorsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  type CORSRule,
  type LifecycleRule,
  type S3Client,
  type TransitionDefaultMinimumObjectSize,
} from '@aws-sdk/client-s3';
import { DOCUMENT_IDS, type BucketDocuments, type PolicyDocument, type PolicyStatement } from './bucket-documents.js';
import { withContentMd5 } from './content-md5.js';
import { classifyS3Failure, fixFor, type S3Failure } from './s3-failure.js';

export type SetupStepName = 'cors' | 'lifecycle' | 'policy';

/** `planned` is a dry run's "would apply". */
export type SetupStepStatus = 'applied' | 'planned' | 'skipped' | 'unsupported' | 'failed';

export interface SetupStep {
  name: SetupStepName;
  status: SetupStepStatus;
  detail: string;
  fix?: string;
}

export interface SetupReport {
  bucket: string;
  dryRun: boolean;
  steps: SetupStep[];
  /** False when a step failed; `unsupported` and `skipped` are not failures. */
  ok: boolean;
  /** Dry runs only: the documents as they would be sent, and the IAM policies. */
  documents?: {
    cors: BucketDocuments['cors'];
    lifecycle: BucketDocuments['lifecycle'];
    policy: PolicyDocument | null;
    iam: BucketDocuments['iam'];
  };
}

export interface SetupBucketOptions {
  client: S3Client;
  bucket: string;
  documents: BucketDocuments;
  /** Show what would be written; sends nothing to the store. */
  dryRun: boolean;
  /** S3_ENDPOINT, for the fix hints. */
  endpoint?: string;
  signal?: AbortSignal;
}

const OUR_LIFECYCLE_IDS: ReadonlySet<string> = new Set([DOCUMENT_IDS.expireIncoming, DOCUMENT_IDS.abortMultipart]);

/**
 * Each step reads the bucket's current document and writes it back with our rule replaced and
 * everyone else's rules kept: the S3 calls replace the whole document. A step the store does not
 * implement is reported and the run goes on; nothing here throws.
 */
export async function setupBucket(options: SetupBucketOptions): Promise<SetupReport> {
  const steps = [await corsStep(options), await lifecycleStep(options), await policyStep(options)];
  const { documents } = options;
  return {
    bucket: options.bucket,
    dryRun: options.dryRun,
    steps,
    ok: steps.every((step) => step.status !== 'failed'),
    ...(options.dryRun
      ? {
          documents: {
            cors: documents.cors,
            lifecycle: documents.lifecycle,
            policy: documents.policy === null ? null : (JSON.parse(documents.policy) as PolicyDocument),
            iam: documents.iam,
          },
        }
      : {}),
  };
}

async function corsStep(options: SetupBucketOptions): Promise<SetupStep> {
  const cors = options.documents.cors;
  if (!cors) {
    return {
      name: 'cors',
      status: 'skipped',
      detail:
        'CORS_ORIGINS is not set, so no CORS rule was written. Browsers PUT to the bucket from the page\'s origin, which is never the bucket\'s own.',
      fix: "Set CORS_ORIGINS to the origins of the pages that upload (including this server's own, e.g. PUBLIC_URL's origin) and run setup-bucket again.",
    };
  }
  const ours = cors.CORSRules ?? [];
  const summary = describeCors(ours);
  if (options.dryRun) return { name: 'cors', status: 'planned', detail: `would write ${summary}` };

  const send = sendOptions(options.signal);
  let existing: CORSRule[] | null;
  try {
    existing = (await options.client.send(new GetBucketCorsCommand({ Bucket: options.bucket }), send)).CORSRules ?? [];
  } catch (error) {
    const failure = classifyS3Failure(error);
    const state = unreadable(failure);
    if (state === undefined) return failed('cors', 'GetBucketCors', failure, options);
    existing = state;
  }
  const kept = (existing ?? []).filter((rule) => !isOurCorsRule(rule, ours));
  try {
    await options.client.send(
      withContentMd5(new PutBucketCorsCommand({ Bucket: options.bucket, CORSConfiguration: { CORSRules: [...ours, ...kept] } })),
      send,
    );
  } catch (error) {
    return failed('cors', 'PutBucketCors', classifyS3Failure(error), options);
  }
  return { name: 'cors', status: 'applied', detail: `wrote ${summary}${keptNote(existing, kept.length, 'rule')}` };
}

async function lifecycleStep(options: SetupBucketOptions): Promise<SetupStep> {
  const ours = options.documents.lifecycle.Rules ?? [];
  const summary = describeLifecycle(ours);
  if (options.dryRun) return { name: 'lifecycle', status: 'planned', detail: `would write ${summary}` };

  const send = sendOptions(options.signal);
  let existing: LifecycleRule[] | null;
  // A bucket-wide setting that rides along with the rules; a write without it would reset it.
  let transitionDefault: TransitionDefaultMinimumObjectSize | undefined;
  try {
    const current = await options.client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: options.bucket }), send);
    existing = current.Rules ?? [];
    transitionDefault = current.TransitionDefaultMinimumObjectSize;
  } catch (error) {
    const failure = classifyS3Failure(error);
    const state = unreadable(failure);
    if (state === undefined) return failed('lifecycle', 'GetBucketLifecycleConfiguration', failure, options);
    existing = state;
  }
  const kept = (existing ?? []).filter((rule) => !rule.ID || !OUR_LIFECYCLE_IDS.has(rule.ID));
  try {
    await options.client.send(
      withContentMd5(
        new PutBucketLifecycleConfigurationCommand({
          Bucket: options.bucket,
          LifecycleConfiguration: { Rules: [...ours, ...kept] },
          ...(transitionDefault ? { TransitionDefaultMinimumObjectSize: transitionDefault } : {}),
        }),
      ),
      send,
    );
  } catch (error) {
    return failed('lifecycle', 'PutBucketLifecycleConfiguration', classifyS3Failure(error), options);
  }
  return { name: 'lifecycle', status: 'applied', detail: `wrote ${summary}${keptNote(existing, kept.length, 'rule')}` };
}

async function policyStep(options: SetupBucketOptions): Promise<SetupStep> {
  const policy = options.documents.policy;
  if (policy === null) {
    return {
      name: 'policy',
      status: 'skipped',
      detail:
        'DEFAULT_VISIBILITY=private: no public-read policy written. Uploads that ask for visibility "public" are still stored under public/ and need anonymous reads there (or a CDN with access: S3_PUBLIC_URL).',
    };
  }
  const ours = (JSON.parse(policy) as PolicyDocument).Statement;
  const summary = describePolicy(ours);
  if (options.dryRun) return { name: 'policy', status: 'planned', detail: `would write ${summary}` };

  const send = sendOptions(options.signal);
  let existing: PolicyDocument | null;
  let readable = true;
  try {
    const current = (await options.client.send(new GetBucketPolicyCommand({ Bucket: options.bucket }), send)).Policy;
    existing = current ? (JSON.parse(current) as PolicyDocument) : null;
  } catch (error) {
    if (error instanceof SyntaxError) {
      return { name: 'policy', status: 'failed', detail: `the bucket's current policy is not JSON: ${error.message}` };
    }
    const failure = classifyS3Failure(error);
    const state = unreadable(failure);
    if (state === undefined) return failed('policy', 'GetBucketPolicy', failure, options);
    readable = state !== null;
    existing = null;
  }
  const ourSids = new Set(ours.map((statement) => statement.Sid));
  const kept = statementsOf(existing).filter((statement) => !ourSids.has(String(statement.Sid ?? '')));
  const merged = { ...(existing ?? {}), Version: '2012-10-17', Statement: [...ours, ...kept] };
  try {
    await options.client.send(withContentMd5(new PutBucketPolicyCommand({ Bucket: options.bucket, Policy: JSON.stringify(merged) })), send);
  } catch (error) {
    const failure = classifyS3Failure(error);
    const step = failed('policy', 'PutBucketPolicy', failure, options);
    // AWS refuses any public policy while the bucket's Block Public Access setting is on.
    if (/BlockPublicPolicy|public access/i.test(failure.message)) {
      step.fix =
        "Turn off BlockPublicPolicy and RestrictPublicBuckets for this bucket (the policy grants reads of public/ only), or keep the bucket private and serve public/ through a CDN with access to it (S3_PUBLIC_URL).";
    }
    return step;
  }
  return { name: 'policy', status: 'applied', detail: `wrote ${summary}${keptNote(readable ? [] : null, kept.length, 'statement')}` };
}

function failed(name: SetupStepName, call: string, failure: S3Failure, options: SetupBucketOptions): SetupStep {
  if (failure.kind === 'unsupported') {
    return {
      name,
      status: 'unsupported',
      detail: `the store does not implement ${call} (${failure.message}); nothing was changed for this step.`,
      fix: "Configure it with the store's own tools: see docs/storage-providers.md.",
    };
  }
  const fix = fixFor(failure.kind, { bucket: options.bucket, ...(options.endpoint ? { endpoint: options.endpoint } : {}) });
  return { name, status: 'failed', detail: `${call} failed: ${failure.message}`, ...(fix ? { fix } : {}) };
}

/** Ours by id; a rule equal to ours but without an id is ours too, for stores that drop rule ids. */
function isOurCorsRule(rule: CORSRule, ours: CORSRule[]): boolean {
  if (rule.ID === DOCUMENT_IDS.corsRule) return true;
  return !rule.ID && ours.some((our) => corsShape(our) === corsShape(rule));
}

function corsShape(rule: CORSRule): string {
  const sorted = (values: string[] | undefined) => [...(values ?? [])].map((v) => v.toLowerCase()).sort();
  return JSON.stringify([
    sorted(rule.AllowedOrigins),
    sorted(rule.AllowedMethods),
    sorted(rule.AllowedHeaders),
    sorted(rule.ExposeHeaders),
    rule.MaxAgeSeconds ?? null,
  ]);
}

function statementsOf(policy: PolicyDocument | null): Array<Partial<PolicyStatement> & Record<string, unknown>> {
  const statements = (policy as { Statement?: unknown } | null)?.Statement;
  if (!statements) return [];
  return (Array.isArray(statements) ? statements : [statements]) as Array<Partial<PolicyStatement> & Record<string, unknown>>;
}

function describeCors(rules: CORSRule[]): string {
  return rules
    .map(
      (rule) =>
        `CORS rule ${rule.ID ?? '(no id)'}: ${(rule.AllowedMethods ?? []).join(', ')} from ${(rule.AllowedOrigins ?? []).join(', ')}; ` +
        `headers ${(rule.AllowedHeaders ?? []).join(', ')}; exposes ${(rule.ExposeHeaders ?? []).join(', ')}; max age ${rule.MaxAgeSeconds ?? '-'} s`,
    )
    .join('; ');
}

function describeLifecycle(rules: LifecycleRule[]): string {
  return rules
    .map((rule) => {
      const prefix = rule.Filter?.Prefix ?? '';
      if (rule.Expiration?.Days) return `rule ${rule.ID}: expire ${prefix || 'all objects'} after ${rule.Expiration.Days} day(s)`;
      const days = rule.AbortIncompleteMultipartUpload?.DaysAfterInitiation;
      return `rule ${rule.ID}: abort incomplete multipart uploads under ${prefix || '/'} after ${days} day(s)`;
    })
    .join('; ');
}

function describePolicy(statements: PolicyStatement[]): string {
  return statements.map((s) => `statement ${s.Sid}: ${[s.Action].flat().join(', ')} for ${s.Principal ?? '-'} on ${[s.Resource].flat().join(', ')}`).join('; ');
}

/**
 * After a failed read: [] when the bucket simply has no such document yet; null when the store
 * cannot show it (the write is still tried, without merging); undefined for a real failure.
 */
function unreadable(failure: S3Failure): [] | null | undefined {
  if (failure.kind === 'no-configuration') return [];
  if (failure.kind === 'unsupported') return null;
  return undefined;
}

function keptNote(existing: unknown[] | null, count: number, noun: string): string {
  if (existing === null) return ` (the store cannot show its current ${noun}s, so any others were replaced)`;
  return count === 0 ? '' : ` (kept ${count} other ${noun}${count === 1 ? '' : 's'} already on the bucket)`;
}

function sendOptions(signal: AbortSignal | undefined): { abortSignal?: AbortSignal } {
  return signal ? { abortSignal: signal } : {};
}

const STATUS_LABEL: Record<SetupStepStatus, string> = {
  applied: 'applied',
  planned: 'planned',
  skipped: 'skipped',
  unsupported: 'UNSUPPORTED',
  failed: 'FAILED',
};

/** The report as text for a terminal. */
export function formatSetupReport(report: SetupReport): string {
  const lines = [
    report.dryRun
      ? `setup-bucket "${report.bucket}" (dry run: nothing was sent to the store)`
      : `setup-bucket "${report.bucket}"`,
    '',
  ];
  for (const step of report.steps) {
    lines.push(`  ${step.name.padEnd(10)} ${STATUS_LABEL[step.status].padEnd(11)} ${step.detail}`);
    if (step.fix) lines.push(`  ${''.padEnd(10)} ${''.padEnd(11)} fix: ${step.fix}`);
  }
  const count = (status: SetupStepStatus) => report.steps.filter((step) => step.status === status).length;
  lines.push(
    '',
    report.dryRun
      ? `${count('planned')} planned, ${count('skipped')} skipped.`
      : `${count('applied')} applied, ${count('skipped')} skipped, ${count('unsupported')} unsupported, ${count('failed')} failed.`,
  );
  if (report.documents) {
    const json = (value: unknown) => JSON.stringify(value, null, 2);
    lines.push('', 'Rules and statements with other ids already on the bucket are kept; ours are replaced.');
    if (report.documents.cors) lines.push('', 'CORS configuration (PutBucketCors):', json(report.documents.cors));
    lines.push('', 'Lifecycle configuration (PutBucketLifecycleConfiguration):', json(report.documents.lifecycle));
    if (report.documents.policy) lines.push('', 'Bucket policy (PutBucketPolicy):', json(report.documents.policy));
    lines.push('', "IAM policy for the server's credentials:", json(report.documents.iam.server));
    lines.push('', 'Additional IAM permissions setup-bucket needs while it runs:', json(report.documents.iam.setup));
  }
  return `${lines.join('\n')}\n`;
}
