import { afterEach, describe, expect, it, vi } from 'vitest';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { contentDisposition } from '@direct-upload/core';
import { createS3Client, type AwsCredentialIdentity, type S3ClientOptions } from './s3-client.js';
import { locateThroughClient } from './s3-bucket-locator.js';
import { SigV4Presigner, type BucketAddress, type BucketLocator, type SigV4PresignerOptions } from './sigv4-presigner.js';

const staticKeys = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const temporaryKeys = {
  accessKeyId: 'ASIAEXAMPLETEMPORARY',
  secretAccessKey: 'tEmPoRaRy/SeCrEt+KeY=example0123456789ab',
  // Real session tokens carry '/', '+' and '=': all must be escaped in the URL and in the canonical query.
  sessionToken: 'IQoJb3JpZ2luX2VjEJr//////////wEaCWV1LXdlc3QtMyJHMEUCIQ+abc/def==',
};

const dates = [new Date('2030-01-02T03:04:05.678Z'), new Date('2028-02-29T23:59:59.999Z'), new Date('2031-12-31T00:00:00.000Z')];
const signingDate = dates[0]!;

const keys = [
  'incoming/owner-1/0190a6d2-7c5e-7000-8000-000000000001',
  'spaces/a b/c  d ',
  'unicode/ü/日本語/😀.png',
  'plus/1+1=2/a+b',
  'percent/100%/%20already%2Fencoded',
  'unreserved/tilde~under_score-dash.dot',
  "sub-delims/bang!/star*/quote'/paren()",
  'reserved/;,:@&=$#?[]{}|\\^`"<>',
  'deep/nested/path/to/the/object.webp',
  '/leading//double///and-trailing/',
  './dot/../dot-dot/.',
];

interface Target {
  name: string;
  options: S3ClientOptions;
  bucket: string;
}

/** Every addressing the SDK chooses between: virtual-hosted, path style, custom endpoints with ports and base paths. */
const targets: Target[] = [
  { name: 'AWS, virtual-hosted', options: { region: 'eu-west-3', forcePathStyle: false }, bucket: 'uploads-bucket' },
  { name: 'AWS, path style', options: { region: 'us-east-1', forcePathStyle: true }, bucket: 'uploads-bucket' },
  { name: 'AWS, a bucket name with dots (path style by the rules)', options: { region: 'eu-central-1', forcePathStyle: false }, bucket: 'images.example.com' },
  { name: 'AWS China partition', options: { region: 'cn-north-1', forcePathStyle: false }, bucket: 'uploads-bucket' },
  { name: 'custom endpoint on an IP and port, path style', options: { region: 'us-east-1', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true }, bucket: 'test-bucket' },
  { name: 'custom endpoint on an IP, virtual-hosted asked', options: { region: 'us-east-1', endpoint: 'http://127.0.0.1:9000', forcePathStyle: false }, bucket: 'test-bucket' },
  { name: 'custom endpoint with a port, virtual-hosted', options: { region: 'us-east-1', endpoint: 'http://localhost:9000', forcePathStyle: false }, bucket: 'images' },
  { name: 'custom endpoint with the default port written out', options: { region: 'auto', endpoint: 'https://minio.example.com:443/', forcePathStyle: true }, bucket: 'images' },
  { name: 'custom endpoint with a base path, path style', options: { region: 'us-west-2', endpoint: 'https://gateway.example.com/s3/', forcePathStyle: true }, bucket: 'images' },
  { name: 'custom endpoint with a port and base path, virtual-hosted', options: { region: 'auto', endpoint: 'https://acct.r2.example.com:8443/base', forcePathStyle: false }, bucket: 'images' },
];

interface Headers {
  contentType?: string;
  contentLength?: number;
  checksum?: string;
}

const headerSets: Headers[] = [
  { contentType: 'image/png', contentLength: 21 },
  { contentType: 'image/jpeg', contentLength: 5_242_880, checksum: 'ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=' },
  { contentType: 'image/webp' },
  { contentLength: 0 },
  {},
  // Folded in the canonical request (runs of blanks to one, ends trimmed), sent as is.
  { contentType: ' multipart/mixed;  boundary="a \t b"  ', contentLength: 7 },
];

function clientFor(target: Target, credentials: AwsCredentialIdentity): S3Client {
  return createS3Client({ ...target.options, credentials });
}

function presignerFor(client: S3Client, options: Partial<SigV4PresignerOptions> = {}): SigV4Presigner {
  return new SigV4Presigner({ credentials: client.config.credentials, locate: locateThroughClient(client), ...options });
}

function sdkPut(client: S3Client, bucket: string, key: string, headers: Headers, expiresIn: number, date?: Date): Promise<string> {
  const command = new PutObjectCommand({
    Bucket: bucket,
    Key: key,
    ...(headers.contentType !== undefined ? { ContentType: headers.contentType } : {}),
    ...(headers.contentLength !== undefined ? { ContentLength: headers.contentLength } : {}),
    ...(headers.checksum !== undefined ? { ChecksumSHA256: headers.checksum } : {}),
  });
  return getSignedUrl(client, command, {
    expiresIn,
    ...(date ? { signingDate: date } : {}),
    signableHeaders: new Set(['content-type']),
    unhoistableHeaders: new Set(['x-amz-checksum-sha256']),
  });
}

/** The headers a PUT carries: PutObject sends application/octet-stream when given no type, and it is signed. */
function signedHeadersOf(headers: Headers): Record<string, string> {
  const signed: Record<string, string> = { 'content-type': headers.contentType ?? 'application/octet-stream' };
  if (headers.contentLength !== undefined) signed['content-length'] = String(headers.contentLength);
  if (headers.checksum !== undefined) signed['x-amz-checksum-sha256'] = headers.checksum;
  return signed;
}

function sdkGet(client: S3Client, bucket: string, key: string, query: { type?: string; disposition?: string }, expiresIn: number, date?: Date) {
  const command = new GetObjectCommand({
    Bucket: bucket,
    Key: key,
    ...(query.type !== undefined ? { ResponseContentType: query.type } : {}),
    ...(query.disposition !== undefined ? { ResponseContentDisposition: query.disposition } : {}),
  });
  return getSignedUrl(client, command, { expiresIn, ...(date ? { signingDate: date } : {}) });
}

function queryOf(query: { type?: string; disposition?: string }): Record<string, string> {
  const out: Record<string, string> = {};
  if (query.type !== undefined) out['response-content-type'] = query.type;
  if (query.disposition !== undefined) out['response-content-disposition'] = query.disposition;
  return out;
}

describe('SigV4Presigner PUT equals getSignedUrl byte for byte', () => {
  for (const target of targets) {
    it(`for every key: ${target.name}`, async () => {
      for (const credentials of [staticKeys, temporaryKeys]) {
        const client = clientFor(target, credentials);
        const presigner = presignerFor(client);
        const headers = headerSets[1]!;
        for (const key of keys) {
          const ours = await presigner.presign({
            method: 'PUT',
            bucket: target.bucket,
            key,
            expiresIn: 300,
            signedHeaders: signedHeadersOf(headers),
            signingDate,
          });
          expect(ours).toBe(await sdkPut(client, target.bucket, key, headers, 300, signingDate));
        }
      }
    });
  }

  it('for every header set, signing date and lifetime, with and without a session token', async () => {
    for (const target of [targets[0]!, targets[4]!, targets[9]!]) {
      for (const credentials of [staticKeys, temporaryKeys]) {
        const client = clientFor(target, credentials);
        // One presigner across days: its cached signing keys must follow the date.
        const presigner = presignerFor(client);
        for (const date of dates) {
          for (const headers of headerSets) {
            for (const expiresIn of [1, 900, 604_800]) {
              const key = keys[2]!;
              const ours = await presigner.presign({ method: 'PUT', bucket: target.bucket, key, expiresIn, signedHeaders: signedHeadersOf(headers), signingDate: date });
              expect(ours).toBe(await sdkPut(client, target.bucket, key, headers, expiresIn, date));
            }
          }
        }
      }
    }
  });

  it('folds header values with tabs, line breaks and runs of blanks as the SDK does, and leaves plain ones', async () => {
    const target = targets[0]!;
    const client = clientFor(target, staticKeys);
    const presigner = presignerFor(client);
    // One value for each way a value can need folding, and values that need none.
    const values = ['a\tb', 'a\r\nb', 'a\rb', 'a\nb', 'a  b', ' a', 'a ', '\ta\t', 'a \t\r\n b', '  ', 'a b', 'a\u00a0\u000bb'];
    for (const contentType of values) {
      const ours = await presigner.presign({ method: 'PUT', bucket: target.bucket, key: 'k', expiresIn: 60, signedHeaders: signedHeadersOf({ contentType }), signingDate });
      expect(ours).toBe(await sdkPut(client, target.bucket, 'k', { contentType }, 60, signingDate));
    }
  });

  it('signs header names given in another order, case or number than the last request like a fresh presigner', async () => {
    const target = targets[0]!;
    const client = clientFor(target, staticKeys);
    const shared = presignerFor(client);
    const checksum = headerSets[1]!.checksum!;
    const sequence: Array<Record<string, string>> = [
      { 'content-type': 'a/b', 'content-length': '1' },
      { 'content-type': 'c/d', 'content-length': '2' },
      { 'content-length': '3', 'content-type': 'e/f' },
      { 'Content-Type': 'g/h', 'content-length': '4' },
      { 'Content-Type': 'i/j' },
      { 'Content-Type': 'k/l', 'content-length': '5', 'x-amz-checksum-sha256': checksum },
      {},
      { 'content-type': 'a/b', 'content-length': '1' },
    ];
    for (const signedHeaders of sequence) {
      const request = { method: 'PUT', bucket: target.bucket, key: 'k', expiresIn: 60, signedHeaders, signingDate } as const;
      expect(await shared.presign(request)).toBe(await presignerFor(client).presign(request));
    }
  });

  it('escapes keys on either side of the all-unreserved shortcut as the SDK does', async () => {
    const target = targets[4]!;
    const client = clientFor(target, staticKeys);
    const presigner = presignerFor(client);
    for (const key of ['/', 'a', '~/._-/', 'AZaz09-_.~/x', 'a/b c', 'a/b+c', 'a/b%c', "a/b'c", 'a/b\u00e9', 'a/b#c', 'a\\b']) {
      const ours = await presigner.presign({ method: 'PUT', bucket: target.bucket, key, expiresIn: 60, signedHeaders: signedHeadersOf({}), signingDate });
      expect(ours).toBe(await sdkPut(client, target.bucket, key, {}, 60, signingDate));
    }
  });

  it('signs a session token into the query and nothing of it without one', async () => {
    const target = targets[0]!;
    const withToken = await presignerFor(clientFor(target, temporaryKeys)).presign({ method: 'PUT', bucket: target.bucket, key: 'k', expiresIn: 60, signingDate });
    const without = await presignerFor(clientFor(target, staticKeys)).presign({ method: 'PUT', bucket: target.bucket, key: 'k', expiresIn: 60, signingDate });
    expect(new URL(withToken).searchParams.get('X-Amz-Security-Token')).toBe(temporaryKeys.sessionToken);
    expect(new URL(without).searchParams.has('X-Amz-Security-Token')).toBe(false);
  });
});

describe('SigV4Presigner GET equals getSignedUrl byte for byte', () => {
  const overrides = [
    {},
    { type: 'image/webp' },
    { type: 'image/png', disposition: contentDisposition('inline', 'été "1" + 100%.png') },
    { disposition: contentDisposition('attachment', "cat's photo (1)*.jpg") },
    { type: 'text/plain; charset=utf-8', disposition: '' },
  ];

  for (const target of targets) {
    it(`with response overrides: ${target.name}`, async () => {
      for (const credentials of [staticKeys, temporaryKeys]) {
        const client = clientFor(target, credentials);
        const presigner = presignerFor(client);
        for (const query of overrides) {
          for (const key of [keys[0]!, keys[3]!, keys[6]!, keys[9]!]) {
            const ours = await presigner.presign({ method: 'GET', bucket: target.bucket, key, expiresIn: 120, query: queryOf(query), signingDate });
            expect(ours).toBe(await sdkGet(client, target.bucket, key, query, 120, signingDate));
          }
        }
      }
    });
  }
});

describe('SigV4Presigner HEAD equals getSignedUrl byte for byte', () => {
  for (const target of targets) {
    it(`for every key: ${target.name}`, async () => {
      for (const credentials of [staticKeys, temporaryKeys]) {
        const client = clientFor(target, credentials);
        const presigner = presignerFor(client);
        for (const key of keys) {
          for (const date of dates) {
            const ours = await presigner.presign({ method: 'HEAD', bucket: target.bucket, key, expiresIn: 60, signingDate: date });
            const theirs = await getSignedUrl(client, new HeadObjectCommand({ Bucket: target.bucket, Key: key }), { expiresIn: 60, signingDate: date });
            expect(ours).toBe(theirs);
          }
        }
      }
    });
  }
});

describe('SigV4Presigner clock and credentials', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('signs at the injected clock when no signing date is given', async () => {
    const target = targets[0]!;
    const client = clientFor(target, staticKeys);
    const presigner = presignerFor(client, { clock: () => dates[1]! });
    const ours = await presigner.presign({ method: 'PUT', bucket: target.bucket, key: 'k', expiresIn: 60, signedHeaders: signedHeadersOf(headerSets[0]!) });
    expect(ours).toBe(await sdkPut(client, target.bucket, 'k', headerSets[0]!, 60, dates[1]!));
    expect(new URL(ours).searchParams.get('X-Amz-Date')).toBe('20280229T235959Z');
  });

  it('signs at the current time by default, as getSignedUrl does without signingDate', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2029-07-14T12:34:56.789Z'));
    const target = targets[4]!;
    const client = clientFor(target, temporaryKeys);
    const ours = await presignerFor(client).presign({ method: 'GET', bucket: target.bucket, key: 'a/b', expiresIn: 60, query: { 'response-content-type': 'image/gif' } });
    expect(ours).toBe(await sdkGet(client, target.bucket, 'a/b', { type: 'image/gif' }, 60));
    expect(new URL(ours).searchParams.get('X-Amz-Date')).toBe('20290714T123456Z');
  });

  it('dates each URL by its own second, though the formatted date is kept for a second', async () => {
    // Either side of a second, of midnight, backwards in time, and of the epoch (negative times round down).
    const instants = [
      '2030-01-02T23:59:58.999Z',
      '2030-01-02T23:59:59.000Z',
      '2030-01-02T23:59:59.999Z',
      '2030-01-03T00:00:00.000Z',
      '2030-01-03T00:00:00.001Z',
      '2030-01-02T23:59:59.500Z',
      '1969-12-31T23:59:59.001Z',
      '1969-12-31T23:59:59.999Z',
      '1970-01-01T00:00:00.000Z',
    ];
    const target = targets[0]!;
    const client = clientFor(target, staticKeys);
    let now = new Date(instants[0]!);
    const presigner = presignerFor(client, { clock: () => now });
    for (const instant of instants) {
      now = new Date(instant);
      const ours = await presigner.presign({ method: 'PUT', bucket: target.bucket, key: 'k', expiresIn: 60, signedHeaders: signedHeadersOf(headerSets[0]!) });
      expect(ours).toBe(await sdkPut(client, target.bucket, 'k', headerSets[0]!, 60, now));
      expect(new URL(ours).searchParams.get('X-Amz-Date')).toBe(`${instant.replace(/[-:]/g, '').slice(0, 15)}Z`);
    }
  });

  it('signs across midnight with the key of each day', async () => {
    const target = targets[1]!;
    const client = clientFor(target, staticKeys);
    const presigner = presignerFor(client);
    const instants = ['2030-01-02T23:59:59.999Z', '2030-01-03T00:00:00.000Z', '2030-01-04T00:00:00.000Z', '2030-01-05T00:00:00.000Z', '2030-01-06T00:00:00.000Z', '2030-01-02T12:00:00.000Z'];
    for (const instant of instants) {
      const date = new Date(instant);
      const ours = await presigner.presign({ method: 'PUT', bucket: target.bucket, key: 'k', expiresIn: 60, signedHeaders: signedHeadersOf(headerSets[0]!), signingDate: date });
      expect(ours).toBe(await sdkPut(client, target.bucket, 'k', headerSets[0]!, 60, date));
    }
  });

  it("follows a client's refreshing credentials: a new secret and session token under the same key id", async () => {
    let current: AwsCredentialIdentity = temporaryKeys;
    let calls = 0;
    // Expiring within the SDK's refresh window, so its memoized provider asks again on every call.
    const provider = async () => {
      calls += 1;
      return { ...current, expiration: new Date(Date.now() + 60_000) };
    };
    const client = new S3Client({ region: 'eu-west-3', credentials: provider, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
    const presigner = presignerFor(client);
    const sign = () => presigner.presign({ method: 'PUT', bucket: 'uploads-bucket', key: 'k', expiresIn: 60, signedHeaders: signedHeadersOf(headerSets[1]!), signingDate });

    const first = await sign();
    expect(first).toBe(await sdkPut(client, 'uploads-bucket', 'k', headerSets[1]!, 60, signingDate));
    const callsBefore = calls;
    current = { accessKeyId: temporaryKeys.accessKeyId, secretAccessKey: 'rotated/secret+key=example0123456789abcd', sessionToken: 'rotated+token/==' };
    const second = await sign();
    expect(calls).toBeGreaterThan(callsBefore);
    expect(second).toBe(await sdkPut(client, 'uploads-bucket', 'k', headerSets[1]!, 60, signingDate));
    expect(new URL(second).searchParams.get('X-Amz-Security-Token')).toBe('rotated+token/==');
    expect(new URL(second).searchParams.get('X-Amz-Signature')).not.toBe(new URL(first).searchParams.get('X-Amz-Signature'));
  });

  it('passes on a failure of the credentials provider and signs once it recovers', async () => {
    let fail = true;
    const presigner = new SigV4Presigner({
      credentials: async () => {
        if (fail) throw new Error('no credentials in the chain');
        return staticKeys;
      },
      locate: locateThroughClient(clientFor(targets[0]!, staticKeys)),
    });
    const headers = headerSets[0]!;
    const request = { method: 'PUT', bucket: 'uploads-bucket', key: 'k', expiresIn: 60, signedHeaders: signedHeadersOf(headers), signingDate } as const;
    await expect(presigner.presign(request)).rejects.toThrow('no credentials in the chain');
    fail = false;
    expect(await presigner.presign(request)).toBe(await sdkPut(clientFor(targets[0]!, staticKeys), 'uploads-bucket', 'k', headers, 60, signingDate));
  });
});

describe('SigV4Presigner bucket addresses', () => {
  const address: BucketAddress = {
    origin: 'https://b.s3.eu-west-3.amazonaws.com',
    host: 'b.s3.eu-west-3.amazonaws.com',
    pathPrefix: '',
    region: 'eu-west-3',
    service: 's3',
    operationQuery: {},
  };

  it('asks the locator once per bucket and method', async () => {
    const asked: string[] = [];
    const locate: BucketLocator = async (bucket, method) => {
      asked.push(`${method} ${bucket}`);
      return address;
    };
    const presigner = new SigV4Presigner({ credentials: async () => staticKeys, locate });
    // Concurrent first calls share one lookup.
    await Promise.all([1, 2, 3].map((n) => presigner.presign({ method: 'PUT', bucket: 'b', key: `k${n}`, expiresIn: 60 })));
    await presigner.presign({ method: 'PUT', bucket: 'b', key: 'k4', expiresIn: 60 });
    await presigner.presign({ method: 'GET', bucket: 'b', key: 'k', expiresIn: 60 });
    await presigner.presign({ method: 'GET', bucket: 'other', key: 'k', expiresIn: 60 });
    expect(asked).toEqual(['PUT b', 'GET b', 'GET other']);
  });

  it('signs alternating scopes, dates and secrets with the key of each', async () => {
    const addresses: Record<string, BucketAddress> = {
      paris: address,
      virginia: { ...address, origin: 'https://v.s3.us-east-1.amazonaws.com', host: 'v.s3.us-east-1.amazonaws.com', region: 'us-east-1' },
    };
    const locate: BucketLocator = async (bucket) => addresses[bucket]!;
    const rotated = { ...staticKeys, secretAccessKey: 'rotated/secret+key=example0123456789abcd' };
    const steps = [
      ['paris', staticKeys, dates[0]!],
      ['virginia', staticKeys, dates[0]!],
      ['paris', staticKeys, dates[0]!],
      ['paris', rotated, dates[0]!],
      ['paris', temporaryKeys, dates[0]!],
      ['paris', staticKeys, dates[1]!],
      ['virginia', staticKeys, dates[1]!],
      ['paris', staticKeys, dates[0]!],
    ] as const;
    let current: AwsCredentialIdentity = staticKeys;
    const shared = new SigV4Presigner({ credentials: async () => current, locate });
    for (const [bucket, credentials, date] of steps) {
      current = credentials;
      const request = { method: 'GET', bucket, key: 'k', expiresIn: 60, signingDate: date } as const;
      const fresh = new SigV4Presigner({ credentials: async () => credentials, locate });
      expect(await shared.presign(request)).toBe(await fresh.presign(request));
    }
  });

  it('orders parameters that sort before the X-Amz-* block, after it, or (escaped) on the other side of it', async () => {
    const presigner = new SigV4Presigner({
      credentials: async () => ({ ...staticKeys, sessionToken: 'tok+/=' }),
      locate: async () => ({ ...address, operationQuery: { 'x-id': 'GetObject' } }),
    });
    // Signed before the signer's parameters: X-Amz%2F; in the URL after them: X-Amz/. Recorded from the sorting signer.
    const query = { A: '1', 'X-Am': '2', 'X-Amz/': '3', 'X-Amz': '4', y: '5', 'X-Bmz': '6', '~': '7', Ä: '8', '%': '9' };
    expect(await presigner.presign({ method: 'GET', bucket: 'b', key: 'k', expiresIn: 60, query, signingDate })).toBe(
      'https://b.s3.eu-west-3.amazonaws.com/k?%25=9&A=1&X-Am=2&X-Amz=4&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD' +
        '&X-Amz-Credential=AKIDEXAMPLE%2F20300102%2Feu-west-3%2Fs3%2Faws4_request&X-Amz-Date=20300102T030405Z&X-Amz-Expires=60' +
        '&X-Amz-Security-Token=tok%2B%2F%3D&X-Amz-Signature=100f408cae52685f5becbea151e3059505244588e003582d52bb407736f0eea0' +
        '&X-Amz-SignedHeaders=host&X-Amz%2F=3&X-Bmz=6&x-id=GetObject&y=5&~=7&%C3%84=8',
    );
  });

  it('asks again after a failed lookup', async () => {
    let attempts = 0;
    const presigner = new SigV4Presigner({
      credentials: async () => staticKeys,
      locate: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('endpoint rules failed');
        return address;
      },
    });
    const request = { method: 'GET', bucket: 'b', key: 'k', expiresIn: 60 } as const;
    await expect(presigner.presign(request)).rejects.toThrow('endpoint rules failed');
    expect(await presigner.presign(request)).toMatch(/^https:\/\/b\.s3\.eu-west-3\.amazonaws\.com\/k\?X-Amz-Algorithm=/);
    expect(attempts).toBe(2);
  });
});

describe('SigV4Presigner refuses what it cannot sign as asked', () => {
  const presigner = presignerFor(clientFor(targets[0]!, staticKeys));
  const base = { method: 'PUT', bucket: 'uploads-bucket', key: 'k', expiresIn: 60, signingDate } as const;

  it('refuses lifetimes SigV4 does not allow, and accepts the seven-day maximum', async () => {
    for (const expiresIn of [0, -1, 1.5, 604_801, Number.NaN]) {
      await expect(presigner.presign({ ...base, expiresIn })).rejects.toThrow(RangeError);
    }
    await expect(presigner.presign({ ...base, expiresIn: 604_800 })).resolves.toContain('X-Amz-Expires=604800');
  });

  it('refuses an invalid signing date every time, and signs the next valid one', async () => {
    for (const attempt of [1, 2]) {
      await expect(presigner.presign({ ...base, signingDate: new Date(Number.NaN) }), `attempt ${attempt}`).rejects.toThrow(RangeError);
    }
    await expect(presigner.presign(base)).resolves.toContain('X-Amz-Date=20300102T030405Z');
  });

  it('refuses an empty key', async () => {
    await expect(presigner.presign({ ...base, key: '' })).rejects.toThrow(RangeError);
  });

  it('refuses headers that belong to the signature or appear twice', async () => {
    const refused: Array<Record<string, string>> = [{ Host: 'evil.example.com' }, { 'x-amz-content-sha256': 'abc' }, { 'Content-Type': 'a/b', 'content-type': 'c/d' }];
    // Twice each: refused names must not be kept as the names to sign next time.
    for (const signedHeaders of [...refused, ...refused]) {
      await expect(presigner.presign({ ...base, signedHeaders })).rejects.toThrow(RangeError);
    }
  });

  it("refuses query parameters that are the signer's own", async () => {
    const refused: Array<Record<string, string>> = [{ 'X-Amz-Signature': 'f00' }, { 'x-amz-checksum-crc32': 'AAAAAA==' }, { 'x-id': 'DeleteObject' }];
    for (const query of refused) {
      await expect(presigner.presign({ ...base, method: 'GET', query })).rejects.toThrow(RangeError);
    }
  });
});
