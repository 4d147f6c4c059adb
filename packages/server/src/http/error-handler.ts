// The one HTTP error handler: every failure becomes `{error:{code,message}}` from the catalogue.
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { DomainError } from '@direct-upload/core';
import { ERRORS, type ErrorCode } from '@direct-upload/protocol';

export function sendError(reply: FastifyReply, code: ErrorCode, message?: string, retryAfterSeconds?: number): FastifyReply {
  const entry = ERRORS[code];
  if (retryAfterSeconds !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterSeconds))));
  return reply.code(entry.status).type('application/json; charset=utf-8').send({ error: { code, message: message ?? entry.message } });
}

/** Fastify's own errors (body parsing, limits) mapped onto catalogue codes. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_request',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
  FST_ERR_VALIDATION: 'invalid_request',
};

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | DomainError, request, reply) => {
    if (error instanceof DomainError) {
      if (ERRORS[error.code].status >= 500) request.log.error({ err: error }, 'request failed');
      const message = error.message === error.code ? undefined : error.message;
      return sendError(reply, error.code, message, error.retryAfterSeconds);
    }
    const mapped = error.code ? FASTIFY_CODES[error.code] : undefined;
    if (mapped) return sendError(reply, mapped, mapped === 'invalid_request' ? error.message : undefined);
    if (error.statusCode === 400 || (error as { type?: string }).type === 'entity.parse.failed') {
      return sendError(reply, 'invalid_request', error.message);
    }
    request.log.error({ err: error }, 'unexpected error');
    return sendError(reply, 'internal_error');
  });
  app.setNotFoundHandler((_request, reply) => sendError(reply, 'not_found'));
}
