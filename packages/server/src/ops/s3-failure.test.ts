import { describe, expect, it } from 'vitest';
import { classifyS3Failure, fixFor } from './s3-failure.js';

/** The shape the SDK gives service errors: name = the S3 error code, plus $metadata. */
const serviceError = (name: string, status: number, message = 'UnknownError') =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

describe('classifyS3Failure', () => {
  it.each([
    [serviceError('NotImplemented', 501, 'not implemented'), 'unsupported'],
    [serviceError('MethodNotAllowed', 405, 'not allowed'), 'unsupported'],
    [serviceError('Unknown', 501), 'unsupported'],
    [serviceError('NoSuchCORSConfiguration', 404, 'none'), 'no-configuration'],
    [serviceError('NoSuchLifecycleConfiguration', 404, 'none'), 'no-configuration'],
    [serviceError('NoSuchBucketPolicy', 404, 'none'), 'no-configuration'],
    [serviceError('NoSuchBucket', 404, 'gone'), 'no-such-bucket'],
    [serviceError('NotFound', 404), 'not-found'],
    [serviceError('AccessDenied', 403, 'Access Denied'), 'access-denied'],
    [serviceError('Forbidden', 403), 'access-denied'],
    [serviceError('AccessDenied', 403, 'Request has expired'), 'clock-skew'],
    [serviceError('RequestTimeTooSkewed', 403, 'too skewed'), 'clock-skew'],
    [serviceError('SignatureDoesNotMatch', 403, 'bad signature'), 'credentials'],
    [serviceError('InvalidAccessKeyId', 403, 'unknown key'), 'credentials'],
    [Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }), 'credentials'],
    [serviceError('PermanentRedirect', 301, 'use the other endpoint'), 'wrong-region'],
    [serviceError('AuthorizationHeaderMalformed', 400, 'region is wrong'), 'wrong-region'],
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }), 'unreachable'],
    [new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo ENOTFOUND x'), { code: 'ENOTFOUND' }) }), 'unreachable'],
    [Object.assign(new Error('aborted'), { name: 'AbortError' }), 'aborted'],
    [serviceError('InternalError', 500, 'oops'), 'other'],
    ['a string', 'other'],
  ])('classifies %s as %s', (error, kind) => {
    expect(classifyS3Failure(error).kind).toBe(kind);
  });

  it('says what happened in one line, without the SDK\'s empty "UnknownError"', () => {
    expect(classifyS3Failure(serviceError('NotFound', 404)).message).toBe('NotFound (HTTP 404)');
    expect(classifyS3Failure(serviceError('AccessDenied', 403, 'Access Denied')).message).toBe('AccessDenied (HTTP 403): Access Denied');
    expect(classifyS3Failure(new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) })).message).toBe(
      'TypeError: fetch failed [ECONNREFUSED]',
    );
  });
});

describe('fixFor', () => {
  it('names the endpoint, the bucket or the variable to change', () => {
    expect(fixFor('unreachable', { bucket: 'b', endpoint: 'http://store:9000' })).toContain('S3_ENDPOINT (http://store:9000)');
    expect(fixFor('unreachable', { bucket: 'b' })).toContain('AWS endpoint');
    expect(fixFor('no-such-bucket', { bucket: 'b' })).toContain('Create the bucket "b"');
    expect(fixFor('wrong-region', { bucket: 'b' })).toContain('S3_REGION');
    expect(fixFor('credentials', { bucket: 'b' })).toContain('AWS_ACCESS_KEY_ID');
    expect(fixFor('access-denied', { bucket: 'b' })).toContain('direct-upload setup-bucket --dry-run');
    expect(fixFor('other', { bucket: 'b' })).toBeUndefined();
  });
});
