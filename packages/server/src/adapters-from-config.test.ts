import { describe, expect, it } from 'vitest';
import { jobErrorReporter, jobsAtOnce, openStorage } from './adapters-from-config.js';
import { loadConfig } from './config/config.js';

describe('jobsAtOnce', () => {
  it('runs one job more than the images decoded at once, and none for an API-only process', () => {
    expect(jobsAtOnce(0)).toBe(0);
    expect(jobsAtOnce(1)).toBe(2);
    expect(jobsAtOnce(4)).toBe(5);
  });
});

describe('jobErrorReporter', () => {
  it("tells a job's failure, with its upload, from the queue's own", () => {
    const lines: Array<[object, string]> = [];
    const report = jobErrorReporter((details, message) => lines.push([details, message]));
    const error = new Error('boom');
    report(error, 'u1');
    report(error);
    expect(lines).toEqual([
      [{ err: error, uploadId: 'u1' }, 'processing job failed; it will be retried'],
      [{ err: error }, 'job queue error; it keeps retrying (jobs meanwhile wait in the queue)'],
    ]);
  });
});

describe('openStorage on S3', () => {
  const base = { STORAGE: 's3', S3_BUCKET: 'photos', S3_REGION: 'eu-west-1' };
  const signedUrl = async (env: Record<string, string>) => {
    const parts = openStorage(loadConfig(env), 'http://127.0.0.1:3000', new Uint8Array(32));
    try {
      const target = await parts.signer.sign({ uploadId: 'u1', key: 'incoming/o/u1', contentType: 'image/png', size: 10, expiresAt: new Date(Date.now() + 60_000) });
      return new URL(target.url).searchParams;
    } finally {
      parts.close();
    }
  };

  it('signs with the keys of the environment it was given, over those of the process', async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = 'AKIDPROCESS';
    process.env.AWS_SECRET_ACCESS_KEY = 'process-secret';
    try {
      const given = await signedUrl({ ...base, AWS_ACCESS_KEY_ID: 'AKIDGIVEN', AWS_SECRET_ACCESS_KEY: 'given-secret' });
      expect(given.get('X-Amz-Credential')).toMatch(/^AKIDGIVEN\/\d{8}\/eu-west-1\/s3\/aws4_request$/);
      // Without keys in its environment, the AWS provider chain decides (here: the process's).
      expect((await signedUrl(base)).get('X-Amz-Credential')).toMatch(/^AKIDPROCESS\//);
    } finally {
      for (const [name, value] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('puts a session token from the environment into the signed request', async () => {
    const signed = await signedUrl({ ...base, AWS_ACCESS_KEY_ID: 'ASIATEMP', AWS_SECRET_ACCESS_KEY: 's', AWS_SESSION_TOKEN: 'token-1' });
    expect(signed.get('X-Amz-Credential')).toMatch(/^ASIATEMP\//);
    expect(signed.get('X-Amz-Security-Token')).toBe('token-1');
  });
});
