// The access log: one line per request, written when the response is done, with signed tokens redacted.
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/*
 * Replaces Fastify's two lines per request ("incoming request", then "request completed"): at the
 * default level they cost a create about a third more CPU at saturation, and the first one carried
 * the query string as sent, signed tokens included. "incoming request" remains at debug level, for
 * finding requests that never finish.
 */

/** Query parameters that are credentials: a signed URL's token or signature works for whoever reads the log. */
const SECRET_PARAMS = /([?&](?:token|x-amz-signature|x-amz-credential|x-amz-security-token)=)[^&#]*/gi;

export function redactUrl(url: string): string {
  return url.includes('?') ? url.replace(SECRET_PARAMS, '$1[redacted]') : url;
}

type Level = 'debug' | 'info';

/** Fastify's no-op logger (`logger: false`) has no level check: it writes nothing. */
function writes(request: FastifyRequest, level: Level): boolean {
  const log = request.log as { isLevelEnabled?: (level: string) => boolean };
  return log.isLevelEnabled?.(level) ?? false;
}

/** Shaped for Fastify's `req` serializer, which writes `ip` as `remoteAddress` (the same fields as its own lines, less host and port). */
const requestFields = (request: FastifyRequest) => ({ method: request.method, url: redactUrl(request.url), ip: request.ip });

export class AccessLogController extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    if (writes(request, 'debug')) request.log.debug({ req: requestFields(request) }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const res = { statusCode: reply.statusCode };
    // The response broke off after its headers (a stream failed): always worth a line.
    if (error) request.log.error({ req: requestFields(request), res, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else if (writes(request, 'info')) request.log.info({ req: requestFields(request), res, responseTime: reply.elapsedTime }, 'request completed');
  }
}
