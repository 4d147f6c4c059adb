import { describe, expect, it } from 'vitest';
import { preflightProblems, type PreflightAnswer } from './cors-preflight.js';

const ORIGIN = 'https://app.example.com';
const answer = (extra: Partial<PreflightAnswer> = {}): PreflightAnswer => ({
  status: 200,
  allowOrigin: ORIGIN,
  allowMethods: 'PUT, GET, HEAD',
  allowHeaders: 'content-type, x-amz-checksum-sha256',
  ...extra,
});

describe('preflightProblems', () => {
  it('accepts an answer that allows the origin, PUT and both headers', () => {
    expect(preflightProblems(answer(), ORIGIN)).toEqual([]);
    expect(preflightProblems(answer({ status: 204, allowOrigin: '*', allowHeaders: '*' }), ORIGIN)).toEqual([]);
    expect(preflightProblems(answer({ allowHeaders: 'Content-Type,X-Amz-Checksum-Sha256' }), ORIGIN)).toEqual([]);
  });

  it('names each thing a browser would refuse', () => {
    expect(preflightProblems(answer({ allowOrigin: 'https://other.example.com' }), ORIGIN)).toEqual([
      'Access-Control-Allow-Origin is https://other.example.com',
    ]);
    expect(preflightProblems(answer({ allowMethods: 'GET, HEAD' }), ORIGIN)).toEqual(['PUT is not in Access-Control-Allow-Methods']);
    expect(preflightProblems(answer({ allowHeaders: 'content-type' }), ORIGIN)).toEqual(['Access-Control-Allow-Headers lacks x-amz-checksum-sha256']);
    expect(preflightProblems({ status: 403, allowOrigin: null, allowMethods: null, allowHeaders: null }, ORIGIN)).toEqual([
      'the preflight was answered 403',
      'no Access-Control-Allow-Origin',
      'PUT is not in Access-Control-Allow-Methods',
      'Access-Control-Allow-Headers lacks content-type, x-amz-checksum-sha256',
    ]);
  });
});
