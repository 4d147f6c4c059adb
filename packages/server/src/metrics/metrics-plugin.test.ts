// Tests for registerMetrics on a real Fastify app: durations by route pattern, bounded labels, the /metrics endpoint.
import { afterEach, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerErrorHandler } from '../http/error-handler.js';
import { createMetrics, type Metrics } from './metrics-registry.js';
import { registerMetrics } from './metrics-plugin.js';

const COUNT = 'direct_upload_http_request_duration_seconds_count';
const apps: FastifyInstance[] = [];

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function start(metrics: Metrics, path?: string): Promise<string> {
  const app = Fastify();
  apps.push(app);
  registerErrorHandler(app);
  // Registered before the metrics hooks on purpose: a root hook must still see it.
  app.get('/early', async () => ({ ok: true }));
  registerMetrics(app, metrics, path ? { path } : {});
  app.get('/items/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    return id === 'missing' ? reply.code(404).send({ error: 'gone' }) : { id };
  });
  app.post('/items', async (_request, reply) => reply.code(201).send({ created: true }));
  app.get('/boom', async () => {
    throw new Error('boom');
  });
  await app.register(
    async (api) => {
      api.post('/uploads/:id/complete', async (request) => ({ id: (request.params as { id: string }).id }));
    },
    { prefix: '/api' },
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

async function scrape(base: string, path = '/metrics'): Promise<string[]> {
  const response = await fetch(`${base}${path}`);
  expect(response.status).toBe(200);
  return (await response.text()).split('\n');
}

const countLines = (lines: string[]) => lines.filter((line) => line.startsWith(`${COUNT}{`));

describe('registerMetrics', () => {
  it('records each request under its route pattern, method and status', async () => {
    const base = await start(createMetrics());
    for (const id of ['1', '2']) expect((await fetch(`${base}/items/${id}`)).status).toBe(200);
    expect((await fetch(`${base}/items/missing`)).status).toBe(404);
    expect((await fetch(`${base}/items`, { method: 'POST' })).status).toBe(201);
    expect((await fetch(`${base}/boom`)).status).toBe(500);
    expect((await fetch(`${base}/early`)).status).toBe(200);
    expect((await fetch(`${base}/api/uploads/abc/complete`, { method: 'POST' })).status).toBe(200);
    expect((await fetch(`${base}/api/uploads/def/complete`, { method: 'POST' })).status).toBe(200);

    const lines = await scrape(base);
    expect(countLines(lines).sort()).toEqual(
      [
        `${COUNT}{method="GET",route="/items/:id",status_code="200"} 2`,
        `${COUNT}{method="GET",route="/items/:id",status_code="404"} 1`,
        `${COUNT}{method="POST",route="/items",status_code="201"} 1`,
        `${COUNT}{method="GET",route="/boom",status_code="500"} 1`,
        `${COUNT}{method="GET",route="/early",status_code="200"} 1`,
        `${COUNT}{method="POST",route="/api/uploads/:id/complete",status_code="200"} 2`,
      ].sort(),
    );
    expect(lines).toContain('direct_upload_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/items/:id",status_code="200"} 2');
    const sum = lines.find((line) => line.startsWith('direct_upload_http_request_duration_seconds_sum{method="GET",route="/items/:id",status_code="200"} '));
    expect(Number(sum?.split(' ')[1])).toBeGreaterThan(0);
  });

  it('counts its own scrapes once they finished', async () => {
    const base = await start(createMetrics());
    expect(countLines(await scrape(base))).toEqual([]);
    expect(countLines(await scrape(base))).toEqual([`${COUNT}{method="GET",route="/metrics",status_code="200"} 1`]);
  });

  it('records unknown URLs under one `unmatched` series, however many distinct URLs arrive', async () => {
    const base = await start(createMetrics());
    for (let i = 0; i < 40; i++) expect((await fetch(`${base}/nope/${i}?q=${i}`)).status).toBe(404);
    await fetch(`${base}/items`); // known path, unknown method
    await fetch(`${base}/items/1/extra`);

    const lines = await scrape(base);
    expect(countLines(lines)).toEqual([`${COUNT}{method="GET",route="unmatched",status_code="404"} 42`]);
    expect(lines.filter((line) => line.includes('/nope') || line.includes('/extra'))).toEqual([]);
  });

  it('serves the Prometheus text format with the default process metrics', async () => {
    const metrics = createMetrics();
    const base = await start(metrics);
    const response = await fetch(`${base}/metrics`);
    expect(response.headers.get('content-type')).toBe(metrics.registry.contentType);
    const text = await response.text();
    expect(text).toContain('# TYPE direct_upload_http_request_duration_seconds histogram');
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
  });

  it('serves at a chosen path instead of /metrics', async () => {
    const base = await start(createMetrics(), '/internal/metrics');
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
    expect((await scrape(base, '/internal/metrics')).length).toBeGreaterThan(1);
  });

  it('keeps two servers in one process apart', async () => {
    const a = await start(createMetrics());
    const b = await start(createMetrics());
    for (let i = 0; i < 3; i++) await fetch(`${a}/items/${i}`);
    await fetch(`${b}/items/x`);

    expect(countLines(await scrape(a))).toEqual([`${COUNT}{method="GET",route="/items/:id",status_code="200"} 3`]);
    expect(countLines(await scrape(b))).toEqual([`${COUNT}{method="GET",route="/items/:id",status_code="200"} 1`]);
  });
});
