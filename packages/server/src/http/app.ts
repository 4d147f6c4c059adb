// Builds the Fastify application from ready-made dependencies (no I/O at build time).
import { existsSync } from 'node:fs';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import fastifyStatic from '@fastify/static';
import type { DependencyCheck, RateLimiter, UploadObserver } from '@direct-upload/core';
import type { ApiRoutesOptions } from './api-routes.js';
import { apiRoutes } from './api-routes.js';
import type { Authenticate } from './authenticate.js';
import { diskRoutes, type DiskRoutesOptions } from './disk-routes.js';
import { registerErrorHandler, sendError } from './error-handler.js';
import { healthRoutes } from './health-routes.js';
import { AccessLogController } from './request-log.js';

export interface AppOptions {
  logger: FastifyServerOptions['logger'];
  trustProxy: number | null;
  corsOrigins: readonly string[] | null;
  authenticate: Authenticate;
  /** Parse and set cookies (AUTH_MODE=anonymous); bearer-token deployments skip the plugin's hooks on every request. */
  sessionCookies: boolean;
  ipRateLimiter: RateLimiter;
  observer: UploadObserver;
  useCases: ApiRoutesOptions['useCases'];
  /** What `/readyz` checks, by name. */
  readinessChecks: Record<string, DependencyCheck>;
  /** Adds root hooks and routes before any other route is registered (metrics). */
  instrument?: (app: FastifyInstance) => void;
  /** The embedded store's endpoints, when STORAGE=disk. */
  disk: DiskRoutesOptions | null;
  /** Built demo page to serve at `/`, when present. */
  demoDir: string | null;
}

/** JSON bodies of the API are small; bytes never come this way. */
const API_BODY_LIMIT = 64 * 1024;

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger,
    // A hop count, never `true`: a client must not pick its own address with X-Forwarded-For.
    trustProxy: trustedHops(options.trustProxy),
    bodyLimit: API_BODY_LIMIT,
    return503OnClosing: true,
    // One access-log line per request instead of Fastify's two (see request-log.ts).
    logController: new AccessLogController(),
  });
  registerErrorHandler(app);
  options.instrument?.(app);
  if (options.sessionCookies) await app.register(cookie);
  if (options.corsOrigins) {
    await app.register(cors, {
      origin: [...options.corsOrigins],
      credentials: true,
      methods: ['GET', 'POST', 'PUT', 'DELETE'],
      maxAge: 600,
    });
  }

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    if (!request.url.startsWith('/api/')) return;
    reply.header('cache-control', 'no-store');
    const decision = await options.ipRateLimiter.consume(request.ip);
    if (decision.allowed) return;
    options.observer.limitRefused('ip_rate');
    return sendError(reply, 'rate_limited', undefined, decision.retryAfterSeconds);
  });

  await app.register(healthRoutes, { checks: options.readinessChecks });
  await app.register(apiRoutes, { authenticate: options.authenticate, useCases: options.useCases });
  if (options.disk) await app.register(diskRoutes, options.disk);
  if (options.demoDir && existsSync(options.demoDir)) {
    await app.register(fastifyStatic, { root: options.demoDir, prefix: '/', wildcard: false, index: 'index.html' });
  }
  return app;
}

function trustedHops(hops: number | null): false | ((address: string, hop: number) => boolean) {
  return hops ? (_address, hop) => hop < hops : false;
}
