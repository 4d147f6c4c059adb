import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { describeDirectUploadContract } from '@direct-upload/core/testing';
import type { DirectUploadRequest } from '@direct-upload/core';
import { createS3Client } from './s3-client.js';
import { S3Storage } from './s3-storage.js';
import { S3UploadSigner } from './s3-upload-signer.js';
import type { SigV4Presigner } from './sigv4-presigner.js';
import { BROWSER_CORS_XML, startS3rver } from './s3rver-fixture.js';

describeDirectUploadContract('S3UploadSigner on s3rver', async () => {
  const s3 = await startS3rver();
  return {
    signer: new S3UploadSigner({ client: s3.client, bucket: s3.bucket }),
    storage: new S3Storage({ client: s3.client, bucket: s3.bucket }),
    // s3rver checks the access key id and the expiry, never the signature.
    enforcesSignature: false,
    close: () => s3.close(),
  };
});

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const region = 'eu-west-3';
const bucket = 'uploads-bucket';
const now = new Date('2030-01-02T03:04:05.678Z');
const body = new TextEncoder().encode('the bytes of an image');
const checksum = createHash('sha256').update(body).digest('base64');

const awsSigner = () =>
  new S3UploadSigner({ client: createS3Client({ region, forcePathStyle: false, credentials }), bucket, clock: () => now });

const request = (extra: Partial<DirectUploadRequest> = {}): DirectUploadRequest => ({
  uploadId: 'u1',
  key: 'incoming/owner-1/0190a6d2-7c5e-7000-8000-000000000001',
  contentType: 'image/png',
  size: body.byteLength,
  expiresAt: new Date(now.getTime() + 300_000),
  ...extra,
});

const params = (url: string) => new URL(url).searchParams;

describe('S3UploadSigner URL', () => {
  it('signs exactly content-length, content-type and host, and hands the browser only content-type', async () => {
    const target = await awsSigner().sign(request());
    const query = params(target.url);
    expect(target.method).toBe('PUT');
    expect(query.get('X-Amz-SignedHeaders')).toBe('content-length;content-type;host');
    expect(target.headers).toEqual({ 'content-type': 'image/png' });
    expect(new URL(target.url).host).toBe(`${bucket}.s3.${region}.amazonaws.com`);
    expect(new URL(target.url).pathname).toBe('/incoming/owner-1/0190a6d2-7c5e-7000-8000-000000000001');
  });

  it('also signs x-amz-checksum-sha256 as a header when a checksum is bound', async () => {
    const target = await awsSigner().sign(request({ checksumSha256: checksum }));
    const query = params(target.url);
    expect(query.get('X-Amz-SignedHeaders')).toBe('content-length;content-type;host;x-amz-checksum-sha256');
    // A header, not a query parameter: the browser must send it, so S3 checks the bytes against it.
    expect([...query.keys()].map((k) => k.toLowerCase())).not.toContain('x-amz-checksum-sha256');
    expect(target.headers).toEqual({ 'content-type': 'image/png', 'x-amz-checksum-sha256': checksum });
  });

  it('carries no empty-body checksum, no ACL and nothing chosen by the client', async () => {
    for (const target of [await awsSigner().sign(request()), await awsSigner().sign(request({ checksumSha256: checksum }))]) {
      const lower = target.url.toLowerCase();
      expect(lower).not.toContain('x-amz-checksum-crc32');
      expect(lower).not.toContain('x-amz-sdk-checksum-algorithm');
      expect(lower).not.toContain('x-amz-acl');
      expect(Object.keys(target.headers)).not.toContain('content-length');
    }
  });

  it('expires when the upload does, counted from the signing second', async () => {
    const target = await awsSigner().sign(request());
    expect(params(target.url).get('X-Amz-Date')).toBe('20300102T030405Z');
    // 300 s after 03:04:05.678 is 03:09:05.678; counted from 03:04:05 that is 300 whole seconds.
    expect(params(target.url).get('X-Amz-Expires')).toBe('300');
    const short = await awsSigner().sign(request({ expiresAt: new Date(now.getTime() + 1_500) }));
    expect(params(short.url).get('X-Amz-Expires')).toBe('2');
    const past = await awsSigner().sign(request({ expiresAt: new Date(now.getTime() - 60_000) }));
    expect(params(past.url).get('X-Amz-Expires')).toBe('1');
  });

  it("is the URL getSignedUrl gives for the same binding, byte for byte, with and without a session token", async () => {
    const temporary = { ...credentials, sessionToken: 'IQoJb3JpZ2luX2Vj+session/token==' };
    for (const keys of [credentials, temporary]) {
      const client = createS3Client({ region, forcePathStyle: false, credentials: keys });
      const signer = new S3UploadSigner({ client, bucket, clock: () => now });
      for (const withChecksum of [false, true]) {
        const target = await signer.sign(request(withChecksum ? { checksumSha256: checksum } : {}));
        const command = new PutObjectCommand({
          Bucket: bucket,
          Key: request().key,
          ContentType: 'image/png',
          ContentLength: body.byteLength,
          ...(withChecksum ? { ChecksumSHA256: checksum } : {}),
        });
        const sdkUrl = await getSignedUrl(client, command, {
          expiresIn: 300,
          signingDate: now,
          signableHeaders: new Set(['content-type']),
          unhoistableHeaders: new Set(['x-amz-checksum-sha256']),
        });
        expect(target.url).toBe(sdkUrl);
      }
    }
  });

  it('refuses to hand out a URL from a client that adds the empty-body CRC32', async () => {
    // The SDK default, which createS3Client exists to avoid.
    const client = new S3Client({ region, credentials, requestChecksumCalculation: 'WHEN_SUPPORTED' });
    const signer = new S3UploadSigner({ client, bucket, clock: () => now });
    await expect(signer.sign(request())).rejects.toMatchObject({ code: 'internal_error' });
  });

  it('refuses a URL that signs other headers or carries a checksum parameter, whoever presigned it', async () => {
    const client = createS3Client({ region, credentials, forcePathStyle: false });
    const signed = 'X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost';
    const withUrl = (url: string) =>
      new S3UploadSigner({ client, bucket, clock: () => now, presigner: { presign: async () => url } as unknown as SigV4Presigner });
    const base = `https://${bucket}.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256`;
    const unchecked = request();
    const checked = request({ checksumSha256: checksum });
    await expect(withUrl(`${base}&${signed}&X-Amz-Signature=ab`).sign(unchecked)).resolves.toMatchObject({ method: 'PUT' });
    await expect(withUrl(`${base}&${signed}%3Bx-amz-checksum-sha256&X-Amz-Signature=ab`).sign(checked)).resolves.toMatchObject({ method: 'PUT' });
    for (const url of [
      `${base}&X-Amz-SignedHeaders=host&X-Amz-Signature=ab`,
      `${base}&X-Amz-Signature=ab`,
      `${base}&${signed}&x-amz-checksum-crc32=AAAAAA%3D%3D&X-Amz-Signature=ab`,
      `${base}&${signed}&X-Amz-Checksum-Crc32=AAAAAA%3D%3D`,
      `${base}&${signed}&x%2Damz%2Dchecksum%2Dcrc32=AAAAAA%3D%3D`,
    ]) {
      await expect(withUrl(url).sign(unchecked), url).rejects.toMatchObject({ code: 'internal_error' });
    }
    // Signed for a checksum the request does not have, or without one it has: both refused.
    await expect(withUrl(`${base}&${signed}%3Bx-amz-checksum-sha256`).sign(unchecked)).rejects.toMatchObject({ code: 'internal_error' });
    await expect(withUrl(`${base}&${signed}`).sign(checked)).rejects.toMatchObject({ code: 'internal_error' });
  });
});

/**
 * The signature S3 computes for a request: the URL's path and query (less the signature) and the
 * headers the URL names as signed, taken from what the browser actually sends.
 */
async function signatureFor(url: string, sent: Record<string, string>): Promise<string> {
  const parsed = new URL(url);
  const query = Object.fromEntries(parsed.searchParams);
  const signedNames = query['X-Amz-SignedHeaders']!.split(';');
  const amzDate = query['X-Amz-Date']!;
  const [, scopeDate, scopeRegion, service] = query['X-Amz-Credential']!.split('/');
  const rest = { ...query };
  for (const name of ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature']) {
    delete rest[name];
  }
  const headers: Record<string, string> = {};
  // The payload hash S3 uses comes from the query (UNSIGNED-PAYLOAD); the signer reads it from this
  // header and hoists it back to the query under the same name.
  const payloadHash = Object.keys(rest).find((name) => name.toLowerCase() === 'x-amz-content-sha256');
  if (payloadHash) {
    headers[payloadHash] = rest[payloadHash]!;
    delete rest[payloadHash];
  }
  for (const name of signedNames) {
    const value = name === 'host' ? parsed.host : sent[name];
    if (value === undefined) throw new Error(`the request does not send the signed header ${name}`);
    headers[name] = value;
  }
  const signer = new SignatureV4({ service: service!, region: scopeRegion!, credentials, sha256: Sha256, uriEscapePath: false });
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  expect(amzDate.slice(0, 8)).toBe(scopeDate);
  const presigned = await signer.presign(
    { method: 'PUT', protocol: parsed.protocol, hostname: parsed.hostname, path: parsed.pathname, query: rest, headers },
    {
      signingDate,
      expiresIn: Number(query['X-Amz-Expires']),
      signableHeaders: new Set(signedNames),
      unhoistableHeaders: new Set(signedNames.filter((name) => name.startsWith('x-amz-'))),
    },
  );
  return String(presigned.query?.['X-Amz-Signature']);
}

describe('S3UploadSigner signature (verified with @smithy/signature-v4)', () => {
  const sent = (headers: Record<string, string>, size = body.byteLength) => ({ ...headers, 'content-length': String(size) });

  it('matches the signature recomputed for exactly the request the browser sends', async () => {
    for (const target of [await awsSigner().sign(request()), await awsSigner().sign(request({ checksumSha256: checksum }))]) {
      expect(await signatureFor(target.url, sent(target.headers))).toBe(params(target.url).get('X-Amz-Signature'));
    }
  });

  it('differs for another Content-Type, Content-Length or checksum, so S3 answers 403', async () => {
    const target = await awsSigner().sign(request({ checksumSha256: checksum }));
    const signature = params(target.url).get('X-Amz-Signature');
    const otherChecksum = createHash('sha256').update('other bytes').digest('base64');
    const tampered = [
      sent({ ...target.headers, 'content-type': 'text/html' }),
      sent(target.headers, body.byteLength + 1),
      sent({ ...target.headers, 'x-amz-checksum-sha256': otherChecksum }),
    ];
    for (const headers of tampered) {
      expect(await signatureFor(target.url, headers)).not.toBe(signature);
    }
  });

  it('differs for another key, so the URL cannot be pointed elsewhere', async () => {
    const target = await awsSigner().sign(request());
    const moved = target.url.replace('/incoming/owner-1/', '/public/');
    expect(moved).not.toBe(target.url);
    expect(await signatureFor(moved, sent(target.headers))).not.toBe(params(target.url).get('X-Amz-Signature'));
  });
});

describe('S3UploadSigner target from a browser on another origin', () => {
  it('passes the CORS preflight of a bucket configured with BROWSER_CORS_XML and exposes the ETag', async () => {
    const s3 = await startS3rver({ cors: BROWSER_CORS_XML });
    try {
      const signer = new S3UploadSigner({ client: s3.client, bucket: s3.bucket });
      const target = await signer.sign(request({ checksumSha256: checksum, expiresAt: new Date(Date.now() + 60_000) }));
      const origin = 'http://app.example.test';
      const preflight = await fetch(target.url, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'PUT',
          'access-control-request-headers': Object.keys(target.headers).join(','),
        },
      });
      expect(preflight.status).toBe(200);
      expect(preflight.headers.get('access-control-allow-origin')).toMatch(/^(\*|http:\/\/app\.example\.test)$/);
      expect(preflight.headers.get('access-control-allow-methods')).toContain('PUT');
      expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-amz-checksum-sha256');

      const put = await fetch(target.url, { method: 'PUT', headers: { ...target.headers, origin }, body });
      expect(put.status).toBe(200);
      expect(put.headers.get('access-control-expose-headers')?.toLowerCase()).toContain('etag');
      expect(put.headers.get('etag')).toBeTruthy();
    } finally {
      await s3.close();
    }
  });
});
