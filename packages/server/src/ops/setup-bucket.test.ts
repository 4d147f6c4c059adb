import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetBucketCorsCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../adapters/s3/s3-client.js';
import { BROWSER_CORS_XML, startS3rver, type S3rverFixture } from '../adapters/s3/s3rver-fixture.js';
import { buildBucketDocuments, type BucketSettings } from './bucket-documents.js';
import { preflightProblems, sendPreflight } from './cors-preflight.js';
import { formatSetupReport, setupBucket } from './setup-bucket.js';

const APP = 'https://app.example.com';
const OTHER = 'https://elsewhere.example.org';

const settings = (bucket: string, extra: Partial<BucketSettings> = {}): BucketSettings => ({
  bucket,
  corsOrigins: [APP],
  defaultVisibility: 'public',
  publicPrefix: 'public/',
  incomingPrefix: 'incoming/',
  ...extra,
});

let s3: S3rverFixture | undefined;
afterEach(async () => {
  await s3?.close();
  s3 = undefined;
});

const objectUrl = (fixture: S3rverFixture) => `${fixture.endpoint}/${fixture.bucket}/incoming/owner/0190a6d2-7c5e-7000-8000-000000000001`;
const corsRules = async (fixture: S3rverFixture) =>
  (await fixture.client.send(new GetBucketCorsCommand({ Bucket: fixture.bucket }))).CORSRules ?? [];

describe('setupBucket on s3rver', () => {
  it('applies the CORS rule: a preflight from the configured origin passes, one from another origin does not', async () => {
    s3 = await startS3rver();
    const before = await sendPreflight(objectUrl(s3), APP);
    expect(before.allowOrigin).toBeNull();

    const report = await setupBucket({ client: s3.client, bucket: s3.bucket, documents: buildBucketDocuments(settings(s3.bucket)), dryRun: false });

    expect(report.steps.find((step) => step.name === 'cors')).toMatchObject({ status: 'applied' });
    const allowed = await sendPreflight(objectUrl(s3), APP);
    expect(allowed.allowOrigin).not.toBeNull();
    expect(preflightProblems(allowed, APP)).toEqual([]);
    const refused = await sendPreflight(objectUrl(s3), OTHER);
    expect(refused.allowOrigin).toBeNull();
    expect(preflightProblems(refused, OTHER)).not.toEqual([]);
  });

  it('reports lifecycle and policy as unsupported where the store answers 501, and still runs every step', async () => {
    s3 = await startS3rver();
    const report = await setupBucket({ client: s3.client, bucket: s3.bucket, documents: buildBucketDocuments(settings(s3.bucket)), dryRun: false });

    expect(report.steps.map((step) => [step.name, step.status])).toEqual([
      ['cors', 'applied'],
      ['lifecycle', 'unsupported'],
      ['policy', 'unsupported'],
    ]);
    expect(report.ok).toBe(true);
    const lifecycle = report.steps[1]!;
    expect(lifecycle.detail).toContain('PutBucketLifecycleConfiguration');
    expect(lifecycle.detail).toContain('NotImplemented');
    const text = formatSetupReport(report);
    expect(text).toMatch(/lifecycle\s+UNSUPPORTED\s+the store does not implement/);
    expect(text).toContain('1 applied, 0 skipped, 2 unsupported, 0 failed.');
  });

  it('keeps the CORS rules others put on the bucket and replaces its own on a second run', async () => {
    s3 = await startS3rver({ cors: BROWSER_CORS_XML });
    const documents = buildBucketDocuments(settings(s3.bucket));
    const first = await setupBucket({ client: s3.client, bucket: s3.bucket, documents, dryRun: false });
    expect(first.steps[0]!.detail).toContain('kept 1 other rule');
    await setupBucket({ client: s3.client, bucket: s3.bucket, documents, dryRun: false });

    const rules = await corsRules(s3);
    expect(rules).toHaveLength(2);
    expect(rules[0]).toMatchObject({ ID: 'direct-upload-browser-uploads', AllowedOrigins: [APP] });
    expect(rules[1]).toMatchObject({ AllowedOrigins: ['*'] });
  });

  it('changes nothing on a dry run and shows the documents and the IAM policy', async () => {
    s3 = await startS3rver();
    const documents = buildBucketDocuments(settings(s3.bucket));
    const report = await setupBucket({ client: s3.client, bucket: s3.bucket, documents, dryRun: true });

    expect(report.steps.map((step) => step.status)).toEqual(['planned', 'planned', 'planned']);
    await expect(corsRules(s3)).rejects.toMatchObject({ name: 'NoSuchCORSConfiguration' });
    const preflight = await sendPreflight(objectUrl(s3), APP);
    expect(preflightProblems(preflight, APP)).not.toEqual([]);

    expect(report.documents).toEqual({
      cors: documents.cors,
      lifecycle: documents.lifecycle,
      policy: JSON.parse(documents.policy!),
      iam: documents.iam,
    });
    const text = formatSetupReport(report);
    expect(text).toContain('dry run: nothing was sent to the store');
    expect(text).toContain(JSON.stringify(documents.cors, null, 2));
    expect(text).toContain(JSON.stringify(documents.lifecycle, null, 2));
    expect(text).toContain(JSON.stringify(documents.iam.server, null, 2));
    expect(text).toContain('"s3:PutBucketCORS"');
  });

  it('skips CORS without origins and the policy for private uploads', async () => {
    s3 = await startS3rver();
    const documents = buildBucketDocuments(settings(s3.bucket, { corsOrigins: null, defaultVisibility: 'private' }));
    const report = await setupBucket({ client: s3.client, bucket: s3.bucket, documents, dryRun: false });

    expect(report.steps.map((step) => [step.name, step.status])).toEqual([
      ['cors', 'skipped'],
      ['lifecycle', 'unsupported'],
      ['policy', 'skipped'],
    ]);
    expect(report.steps[0]!.fix).toContain('CORS_ORIGINS');
    await expect(corsRules(s3)).rejects.toMatchObject({ name: 'NoSuchCORSConfiguration' });
  });

  it('reports every step as failed, with a fix, for a bucket that does not exist', async () => {
    s3 = await startS3rver();
    const documents = buildBucketDocuments(settings('no-such-bucket'));
    const report = await setupBucket({ client: s3.client, bucket: 'no-such-bucket', documents, dryRun: false });

    expect(report.ok).toBe(false);
    for (const step of report.steps) {
      expect(step.status).toBe('failed');
      expect(step.detail).toContain('NoSuchBucket');
      expect(step.fix).toContain('Create the bucket "no-such-bucket"');
    }
  });
});

/** Stands in for a store with particular answers: (method, subresource) -> [status, body]. */
async function fakeStore(answer: (method: string, subresource: string, body: string) => [number, string, Record<string, string>?]) {
  const requests: Array<{ method: string; subresource: string; body: string; headers: IncomingHttpHeaders }> = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const subresource = [...new URL(request.url ?? '/', 'http://store').searchParams.keys()][0] ?? '';
      requests.push({ method: request.method ?? '', subresource, body, headers: request.headers });
      const [status, text, headers = {}] = answer(request.method ?? '', subresource, body);
      response.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(text), ...headers }).end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = createS3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' } });
  return {
    client,
    requests,
    async close() {
      client.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const s3Error = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;

describe('setupBucket with stores that answer differently', () => {
  let store: Awaited<ReturnType<typeof fakeStore>> | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  it('still writes a document the store cannot show, and says that other rules were replaced', async () => {
    store = await fakeStore((method, subresource) => {
      if (method === 'GET' && subresource === 'lifecycle') return [501, s3Error('NotImplemented', 'not implemented')];
      if (method === 'GET' && subresource === 'cors') return [404, s3Error('NoSuchCORSConfiguration', 'none')];
      if (method === 'GET' && subresource === 'policy') return [404, s3Error('NoSuchBucketPolicy', 'none')];
      return [200, ''];
    });
    const report = await setupBucket({ client: store.client, bucket: 'uploads', documents: buildBucketDocuments(settings('uploads')), dryRun: false });

    expect(report.steps.map((step) => step.status)).toEqual(['applied', 'applied', 'applied']);
    expect(report.steps[1]!.detail).toContain('the store cannot show its current rules, so any others were replaced');
    const put = store.requests.find((r) => r.method === 'PUT' && r.subresource === 'lifecycle')!;
    expect(put.body).toContain('<ID>direct-upload-expire-incoming</ID>');
  });

  it('keeps the lifecycle rules of others, replaces its own, and keeps the bucket-wide transition setting', async () => {
    const current =
      '<LifecycleConfiguration>' +
      '<Rule><ID>theirs</ID><Status>Enabled</Status><Filter><Prefix>logs/</Prefix></Filter><Expiration><Days>30</Days></Expiration></Rule>' +
      '<Rule><ID>direct-upload-expire-incoming</ID><Status>Enabled</Status><Filter><Prefix>incoming/</Prefix></Filter><Expiration><Days>7</Days></Expiration></Rule>' +
      '</LifecycleConfiguration>';
    store = await fakeStore((method, subresource) => {
      if (method === 'GET' && subresource === 'lifecycle') return [200, current, { 'x-amz-transition-default-minimum-object-size': 'varies_by_storage_class' }];
      if (method === 'GET') return [404, s3Error(subresource === 'cors' ? 'NoSuchCORSConfiguration' : 'NoSuchBucketPolicy', 'none')];
      return [200, ''];
    });
    const report = await setupBucket({ client: store.client, bucket: 'uploads', documents: buildBucketDocuments(settings('uploads')), dryRun: false });

    expect(report.steps[1]).toMatchObject({ status: 'applied', detail: expect.stringContaining('kept 1 other rule') });
    const put = store.requests.find((r) => r.method === 'PUT' && r.subresource === 'lifecycle')!;
    expect(put.body.match(/<ID>[^<]*<\/ID>/g)).toEqual([
      '<ID>direct-upload-expire-incoming</ID>',
      '<ID>direct-upload-abort-incomplete-multipart</ID>',
      '<ID>theirs</ID>',
    ]);
    expect(put.body).not.toContain('<Days>7</Days>');
    expect(put.headers['x-amz-transition-default-minimum-object-size']).toBe('varies_by_storage_class');
  });

  it('keeps the statements of an existing bucket policy', async () => {
    const existing = { Version: '2012-10-17', Statement: [{ Sid: 'Theirs', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: 'arn:aws:s3:::uploads/x' }] };
    store = await fakeStore((method, subresource) => {
      if (method === 'GET' && subresource === 'policy') return [200, JSON.stringify(existing)];
      if (method === 'GET') return [404, s3Error(subresource === 'cors' ? 'NoSuchCORSConfiguration' : 'NoSuchLifecycleConfiguration', 'none')];
      return [200, ''];
    });
    const report = await setupBucket({ client: store.client, bucket: 'uploads', documents: buildBucketDocuments(settings('uploads')), dryRun: false });

    expect(report.steps[2]).toMatchObject({ status: 'applied' });
    expect(report.steps[2]!.detail).toContain('kept 1 other statement');
    const written = JSON.parse(store.requests.find((r) => r.method === 'PUT' && r.subresource === 'policy')!.body) as { Statement: Array<{ Sid: string }> };
    expect(written.Statement.map((statement) => statement.Sid)).toEqual(['DirectUploadPublicRead', 'Theirs']);
  });

  it('explains a public policy refused by Block Public Access', async () => {
    store = await fakeStore((method, subresource) => {
      if (method === 'GET') return [404, s3Error({ cors: 'NoSuchCORSConfiguration', lifecycle: 'NoSuchLifecycleConfiguration' }[subresource] ?? 'NoSuchBucketPolicy', 'none')];
      if (subresource === 'policy') {
        return [403, s3Error('AccessDenied', 'User is not authorized to perform: s3:PutBucketPolicy because public policies are blocked by the BlockPublicPolicy block public access setting.')];
      }
      return [200, ''];
    });
    const report = await setupBucket({ client: store.client, bucket: 'uploads', documents: buildBucketDocuments(settings('uploads')), dryRun: false });

    expect(report.steps[2]).toMatchObject({ status: 'failed' });
    expect(report.steps[2]!.fix).toContain('Turn off BlockPublicPolicy');
    expect(report.ok).toBe(false);
  });

  it('names the missing permission when the credentials may not read the configuration', async () => {
    store = await fakeStore(() => [403, s3Error('AccessDenied', 'Access Denied')]);
    const report = await setupBucket({ client: store.client, bucket: 'uploads', documents: buildBucketDocuments(settings('uploads')), dryRun: false });

    expect(report.steps.map((step) => step.status)).toEqual(['failed', 'failed', 'failed']);
    expect(report.steps[0]!.detail).toBe('GetBucketCors failed: AccessDenied (HTTP 403): Access Denied');
    expect(report.steps[0]!.fix).toContain('setup-bucket --dry-run');
  });
});
