// Reading storage answers: success, expiry (S3 and embedded store), bytes already there, failures.
import { describe, expect, it } from 'vitest';
import { classifyTransfer } from './transfer-outcome.js';

const s3Error = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>1</RequestId></Error>`;
const apiError = (code: string) => JSON.stringify({ error: { code, message: `about ${code}` } });

describe('classifyTransfer', () => {
  it('takes any 2xx as stored', () => {
    expect(classifyTransfer({ status: 200, body: '' })).toEqual({ kind: 'stored' });
    expect(classifyTransfer({ status: 204, body: '' })).toEqual({ kind: 'stored' });
  });

  it("recognises the embedded store's expired URL", () => {
    expect(classifyTransfer({ status: 403, body: apiError('upload_url_expired') })).toEqual({ kind: 'expired' });
  });

  it("recognises S3's expired URL", () => {
    expect(classifyTransfer({ status: 403, body: s3Error('AccessDenied', 'Request has expired') })).toEqual({ kind: 'expired' });
  });

  it('does not take other 403s for an expiry', () => {
    const s3 = classifyTransfer({ status: 403, body: s3Error('SignatureDoesNotMatch', 'The request signature we calculated does not match') });
    expect(s3).toMatchObject({ kind: 'failed', error: { code: 'transfer_failed', status: 403, retryable: false } });
    const denied = classifyTransfer({ status: 403, body: s3Error('AccessDenied', 'Access Denied') });
    expect(denied.kind).toBe('failed');
    const api = classifyTransfer({ status: 403, body: apiError('invalid_upload_token') });
    expect(api).toMatchObject({ kind: 'failed', error: { code: 'invalid_upload_token', retryable: false } });
  });

  it('takes already_uploaded and a failed If-None-Match as bytes already there', () => {
    expect(classifyTransfer({ status: 409, body: apiError('already_uploaded') })).toEqual({ kind: 'stored' });
    expect(classifyTransfer({ status: 412, body: s3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold') })).toEqual({
      kind: 'stored',
    });
  });

  it('marks 5xx retryable and 4xx not', () => {
    expect(classifyTransfer({ status: 503, body: s3Error('SlowDown', 'Please reduce your request rate.') })).toMatchObject({
      kind: 'failed',
      error: { code: 'service_unavailable', retryable: true },
    });
    expect(classifyTransfer({ status: 502, body: '<html>bad gateway</html>' })).toMatchObject({
      kind: 'failed',
      error: { code: 'service_unavailable', retryable: true, status: 502 },
    });
    expect(classifyTransfer({ status: 409, body: apiError('upload_not_pending') })).toMatchObject({
      kind: 'failed',
      error: { code: 'upload_not_pending', retryable: false },
    });
  });

  it("maps S3's codes onto the catalogue", () => {
    expect(classifyTransfer({ status: 400, body: s3Error('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size') })).toMatchObject({
      error: { code: 'file_too_large' },
    });
    expect(classifyTransfer({ status: 400, body: s3Error('BadDigest', 'The Content-MD5 you specified did not match') })).toMatchObject({
      error: { code: 'checksum_mismatch' },
    });
  });
});
