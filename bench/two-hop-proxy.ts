// The 2-hop baseline: the browser posts a multipart form to this server, which streams the file on to S3.
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import multipart from '@fastify/multipart';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
// The API's own verifier (built), so both servers pay the same for the bearer token.
import { JwtAuthorizer } from '../packages/server/dist/adapters/jwt/jwt-authorizer.js';

/*
 * The classic browser upload: an HTML form posts multipart/form-data to the server, which parses it
 * as a stream and sends the file part on to S3 in one streamed PutObject (never buffered whole). To
 * keep the baseline strong: the same JWT check as the API, the length taken from a `size` field
 * sent before the file (so no multipart upload to S3 is needed), no database record, no hand-off to
 * processing.
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

const app = Fastify({ logger: false });
await app.register(multipart, { limits: { files: 1, fields: 1, fileSize: maxBytes } });

app.post('/upload', async (request, reply) => {
  const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  const principal = token ? await authorizer.authenticate({ bearerToken: token }) : null;
  if (!principal) return reply.code(401).send({ error: 'unauthorized' });
  const file = await request.file();
  if (!file) return reply.code(400).send({ error: 'no file' });
  const sizeField = file.fields.size;
  const declared = sizeField && !Array.isArray(sizeField) && sizeField.type === 'field' ? Number(sizeField.value) : NaN;
  if (!Number.isInteger(declared) || declared <= 0 || declared > maxBytes) return reply.code(413).send({ error: 'size' });
  if (!file.mimetype.startsWith('image/')) return reply.code(415).send({ error: 'type' });
  const objectKey = `two-hop/${principal.owner}/${randomUUID()}`;
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: objectKey, Body: file.file, ContentLength: declared, ContentType: file.mimetype }));
  if (file.file.truncated) return reply.code(413).send({ error: 'size' });
  return reply.code(201).send({ key: objectKey });
});

await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(`listening http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}\n`);

const stop = () => void app.close().finally(() => (s3.destroy(), process.exit(0)));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
