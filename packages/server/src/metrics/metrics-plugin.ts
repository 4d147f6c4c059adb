// Records every request's duration by route pattern and serves the registry at `GET /metrics`.
import type { FastifyInstance } from 'fastify';
import type { Metrics } from './metrics-registry.js';

/** Route label of requests no route matched: raw URLs as labels would grow without bound. */
export const UNMATCHED_ROUTE = 'unmatched';

export interface RegisterMetricsOptions {
  /** Where the Prometheus text is served; defaults to `/metrics`. */
  path?: string;
}

/**
 * Call on the root instance, not inside `register`: a hook added in an encapsulated context would
 * only see that context's routes.
 */
export function registerMetrics(app: FastifyInstance, metrics: Metrics, options: RegisterMetricsOptions = {}): void {
  const { registry, httpRequestDuration } = metrics;

  // `reply.elapsedTime` starts before the first onRequest hook and stops when the response finished,
  // so the time spent in hooks registered ahead of this one is counted too.
  // A callback hook, not an async one: it runs on every request and needs no promise.
  app.addHook('onResponse', (request, reply, done) => {
    httpRequestDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? UNMATCHED_ROUTE,
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
    done();
  });

  app.get(options.path ?? '/metrics', async (_request, reply) => {
    const body = await registry.metrics();
    return reply.header('cache-control', 'no-store').type(registry.contentType).send(body);
  });
}
