// The disk store's HTTP endpoints: token-authorized upload PUTs (as to a pre-signed S3 URL) and file downloads.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, INCOMING_PREFIX, isPublicKey } from '@direct-upload/core';
import { parseByteRange } from '../adapters/disk/byte-range.js';
import { isValidKey } from '../adapters/disk/disk-keys.js';
import type { DiskStorage } from '../adapters/disk/disk-storage.js';
import type { DiskTokens } from '../adapters/disk/disk-tokens.js';
import { sendError } from './error-handler.js';
import { requestSignal } from './request-signal.js';

export interface DiskRoutesOptions {
  storage: DiskStorage;
  tokens: DiskTokens;
  /** True while the upload still waits for its bytes (pending and not expired). */
  acceptsBytes: (uploadId: string) => Promise<boolean>;
}

interface KeyRoute {
  Params: { '*': string };
  Querystring: { token?: unknown };
}

/** Keys are unique and never rewritten once promoted, so public copies may be cached for good. */
const PUBLIC_CACHE = 'public, max-age=31536000, immutable';
const PRIVATE_CACHE = 'private, no-cache';
/** Bytes served from the API origin must never run as a page, even if a browser is talked into rendering them. */
const SANDBOX_CSP = "default-src 'none'; sandbox";
const LENGTH = /^\d{1,15}$/;

export async function diskRoutes(app: FastifyInstance, options: DiskRoutesOptions): Promise<void> {
  const { storage, tokens, acceptsBytes } = options;

  // This plugin is encapsulated: in here every body, whatever its type, reaches the handler unread,
  // so neither a parser nor the JSON API's body limit applies; the signed size is the limit.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));

  app.put<KeyRoute>('/storage/upload/*', { onSend: closeUnlessBodyRead }, async (request, reply) => {
    const check = tokens.verifyUpload(request.query.token);
    if (!check.ok) return sendError(reply, check.reason === 'expired' ? 'upload_url_expired' : 'invalid_upload_token');
    const claims = check.claims;
    if (request.params['*'] !== claims.key) return sendError(reply, 'invalid_upload_token');
    // Like a type S3 signed but was sent another: the request does not match its signature.
    if (mediaType(request.headers['content-type']) !== claims.contentType.toLowerCase()) {
      return sendError(reply, 'invalid_upload_token', 'The Content-Type header differs from the signed type.');
    }
    const length = request.headers['content-length'];
    if (request.headers['transfer-encoding'] !== undefined || length === undefined || !LENGTH.test(length)) {
      return sendError(reply, 'invalid_request', 'The upload needs a Content-Length header; chunked bodies are refused.');
    }
    if (Number(length) !== claims.size) {
      return sendError(reply, 'size_mismatch', `The upload URL is signed for ${claims.size} bytes, not ${length}.`);
    }
    if (!(await acceptsBytes(claims.uploadId))) return sendError(reply, 'upload_not_pending');

    const signal = requestSignal(reply);
    let received;
    try {
      received = await storage.receive(
        claims.key,
        request.raw,
        {
          contentType: claims.contentType,
          size: claims.size,
          ...(claims.checksumSha256 !== undefined ? { checksumSha256: claims.checksumSha256 } : {}),
        },
        signal,
      );
    } catch (error) {
      // Nobody is left to read the answer; only keep the failure out of the error log.
      if (signal.aborted) throw new DomainError('invalid_request', 'The upload was interrupted.');
      throw error;
    }
    return reply.code(200).header('etag', `"${received.sha256}"`).send();
  });

  app.route<KeyRoute>({
    method: ['GET', 'HEAD'],
    url: '/files/*',
    exposeHeadRoute: false,
    handler: async (request, reply) => {
      const key = request.params['*'];
      // Quarantined bytes are never served: only `complete` promotes them after verification.
      if (!isValidKey(key) || key.startsWith(INCOMING_PREFIX)) return sendError(reply, 'not_found');
      const isPublic = isPublicKey(key);
      if (!isPublic) {
        const check = tokens.verifyRead(request.query.token);
        if (!check.ok && check.reason === 'expired') return sendError(reply, 'upload_url_expired', 'The file URL has expired.');
        if (!check.ok || check.claims.key !== key) return sendError(reply, 'invalid_upload_token', 'The file URL is invalid.');
      }

      const withBody = request.method === 'GET';
      const served = await storage.openForServing(key, {
        body: withBody,
        ...(withBody ? { range: (size: number) => parseByteRange(firstHeader(request.headers.range), size) } : {}),
      });
      if (!served) return sendError(reply, 'not_found');

      const { headers, range } = served;
      reply
        .header('content-type', headers.contentType)
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', SANDBOX_CSP)
        .header('cross-origin-resource-policy', 'cross-origin')
        .header('cache-control', cacheControl(headers.cacheControl, isPublic))
        .header('accept-ranges', 'bytes')
        .header('content-length', String(range ? range.end - range.start + 1 : served.size));
      if (headers.contentDisposition) reply.header('content-disposition', headers.contentDisposition);
      if (range) reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${served.size}`);
      return reply.send(served.body ?? undefined);
    },
  });
}

/**
 * A refused upload's body may still be on its way, and may be huge or endless (chunked): close the
 * connection after answering instead of reading it all, as Fastify does for bodies over its limit.
 */
async function closeUnlessBodyRead(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  if (reply.statusCode >= 400 && !request.raw.complete) reply.header('connection', 'close');
  return payload;
}

function mediaType(header: string | undefined): string | undefined {
  return header?.trim().toLowerCase();
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? undefined : value;
}

/** Private objects must never land in a shared cache, whatever was stored with them. */
function cacheControl(stored: string | undefined, isPublic: boolean): string {
  if (isPublic) return stored ?? PUBLIC_CACHE;
  return stored && /\b(private|no-store)\b/i.test(stored) ? stored : PRIVATE_CACHE;
}
