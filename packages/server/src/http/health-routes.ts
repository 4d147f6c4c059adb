// Liveness and readiness probes.
import type { FastifyInstance } from 'fastify';
import { checkReadiness, type DependencyCheck } from '@direct-upload/core';
import { ROUTES } from '@direct-upload/protocol';

const READINESS_TIMEOUT_MS = 3000;

export async function healthRoutes(app: FastifyInstance, options: { checks: Record<string, DependencyCheck> }): Promise<void> {
  app.get(ROUTES.health, async () => ({ status: 'ok' }));
  app.get(ROUTES.ready, async (_request, reply) => {
    const result = await checkReadiness(options.checks, AbortSignal.timeout(READINESS_TIMEOUT_MS));
    if (!result.ready) reply.header('retry-after', '5');
    return reply.code(result.ready ? 200 : 503).send({ status: result.ready ? 'ready' : 'unavailable', checks: result.checks });
  });
}
