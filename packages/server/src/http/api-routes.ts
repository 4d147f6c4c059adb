// The JSON API: uploads, images and client configuration.
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import {
  completeUpload,
  createUpload,
  deleteImage,
  DomainError,
  getImage,
  listImages,
  type CompleteUploadDeps,
  type CreateUploadDeps,
  type DeleteImageDeps,
  type ReadImagesDeps,
} from '@direct-upload/core';
import {
  contentQuerySchema,
  createUploadRequestSchema,
  listImagesQuerySchema,
  ROUTES,
  type ClientConfig,
} from '@direct-upload/protocol';
import type { Authenticate } from './authenticate.js';
import { requestSignal } from './request-signal.js';
import { turnGate } from './turn-gate.js';

export interface ApiRoutesOptions {
  authenticate: Authenticate;
  useCases: CreateUploadDeps & CompleteUploadDeps & ReadImagesDeps & DeleteImageDeps;
}

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const detail = result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
  throw new DomainError('invalid_request', detail);
}

/** Ids are UUIDs (version 7); anything else cannot exist, so it is reported as unknown. */
function idParam(params: unknown): string {
  const id = (params as { id?: string }).id ?? '';
  if (!ID.test(id)) throw new DomainError('not_found');
  return id;
}

export async function apiRoutes(app: FastifyInstance, options: ApiRoutesOptions): Promise<void> {
  const { authenticate, useCases } = options;
  const { policy } = useCases;

  app.get(ROUTES.config, async (): Promise<ClientConfig> => ({
    allowedTypes: [...policy.allowedTypes],
    maxBytes: policy.maxBytes,
    defaultVisibility: policy.defaultVisibility,
    checksum: 'sha256',
  }));

  // The creates read in one turn go on together, from before their bodies are parsed (turn-gate.ts).
  const createsOfOneTurn = turnGate();
  app.post(ROUTES.uploads, { onRequest: (_request, _reply, done) => void createsOfOneTurn().then(() => done()) }, async (request, reply) => {
    const owner = await authenticate(request, reply);
    const body = parse(createUploadRequestSchema, request.body);
    const created = await createUpload(useCases, owner, body);
    return reply.code(201).send(created);
  });

  app.post('/api/uploads/:id/complete', async (request, reply) => {
    const owner = await authenticate(request, reply);
    const result = await completeUpload(useCases, owner, idParam(request.params), requestSignal(reply));
    if (result.status === 'ready') return { image: result.image };
    // Still processing: the client calls `complete` again (it is idempotent).
    return reply.code(202).header('retry-after', '1').send({ upload: result.upload });
  });

  app.get(ROUTES.images, async (request, reply) => {
    const owner = await authenticate(request, reply);
    return listImages(useCases, owner, parse(listImagesQuerySchema, request.query));
  });

  app.get('/api/images/:id', async (request, reply) => {
    const owner = await authenticate(request, reply);
    return { image: await getImage(useCases, owner, idParam(request.params)) };
  });

  // A stable address for <img src>: redirects to the current URL of the original or of a variant.
  app.get('/api/images/:id/content', async (request, reply) => {
    const owner = await authenticate(request, reply);
    const { variant } = parse(contentQuerySchema, request.query);
    const image = await getImage(useCases, owner, idParam(request.params));
    const target = variant === undefined ? image.url : image.variants[variant]?.url;
    if (!target) throw new DomainError('not_found', `The image has no variant "${variant}".`);
    // Private URLs are signed and expire: the redirect itself must not be cached for longer.
    reply.header('cache-control', image.visibility === 'public' ? 'private, max-age=300' : 'private, no-store');
    return reply.redirect(target, 302);
  });

  app.delete('/api/images/:id', async (request, reply) => {
    const owner = await authenticate(request, reply);
    await deleteImage(useCases, owner, idParam(request.params), requestSignal(reply));
    return reply.code(204).send();
  });
}
