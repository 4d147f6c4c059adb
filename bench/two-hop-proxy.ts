// The 2-hop baseline: the client sends the bytes to this server, which streams them on to S3.
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import Fastify from 'fastify';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
// The API's own verifier (built), so both servers pay the same for the bearer token.
import { JwtAuthorizer } from '../packages/server/dist/adapters/jwt/jwt-authorizer.js';

/*
 * Deliberately the cheapest reasonable proxy, so the direct flow is compared with a strong baseline:
 * a raw body (no multipart parsing), the same JWT check as the API, one streamed PutObject with the
 * length from the request (never buffered whole), no database record and no hand-off to processing.
 */
const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};
const bucket = env('S3_BUCKET');
const authorizer = new JwtAuthorizer(env('AUTH_JWT_SECRET'));
const maxBytes = Number(process.env.UPLOAD_MAX_BYTES ?? 64 * 1024 * 1024);
const s3 = new S3Client({
  region: 'us-east-1',
  endpoint: env('S3_ENDPOINT'),
  forcePathStyle: true,
  credentials: { accessKeyId: env('AWS_ACCESS_KEY_ID'), secretAccessKey: env('AWS_SECRET_ACCESS_KEY') },
  // As the API's client: no checksum computed over every byte that passes through.
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});

const app = Fastify({ logger: false, bodyLimit: maxBytes });
app.removeAllContentTypeParsers();
// Hand the body on as the request stream itself.
app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

app.post('/upload', async (request, reply) => {
  const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  const principal = token ? await authorizer.authenticate({ bearerToken: token }) : null;
  if (!principal) return reply.code(401).send({ error: 'unauthorized' });
  const owner = principal.owner;
  const length = Number(request.headers['content-length']);
  const type = request.headers['content-type'] ?? '';
  if (!Number.isInteger(length) || length <= 0 || length > maxBytes) return reply.code(413).send({ error: 'size' });
  if (!type.startsWith('image/')) return reply.code(415).send({ error: 'type' });
  const objectKey = `two-hop/${owner}/${randomUUID()}`;
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: objectKey, Body: request.body as Readable, ContentLength: length, ContentType: type }),
  );
  return reply.code(201).send({ key: objectKey });
});

await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(`listening http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}\n`);

const stop = () => void app.close().finally(() => (s3.destroy(), process.exit(0)));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
