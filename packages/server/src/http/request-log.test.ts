import { afterEach, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerErrorHandler } from './error-handler.js';
import { AccessLogController, redactUrl } from './request-log.js';

interface Line {
  level: number;
  msg: string;
  reqId?: string;
  req?: { method: string; url: string; remoteAddress: string };
  res?: { statusCode: number };
  responseTime?: number;
  err?: unknown;
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function appLoggingAt(level: string): Promise<{ app: FastifyInstance; lines: Line[] }> {
  const lines: Line[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const text of chunk.toString('utf8').split('\n')) if (text) lines.push(JSON.parse(text) as Line);
      callback();
    },
  });
  app = Fastify({ logger: { level, stream }, logController: new AccessLogController() });
  registerErrorHandler(app);
  app.get('/ok', async () => ({ ok: true }));
  app.get('/boom', async () => {
    throw new Error('broken');
  });
  await app.ready();
  return { app, lines };
}

describe('redactUrl', () => {
  it('hides the values of credential parameters and keeps the rest', () => {
    expect(redactUrl('/uploads/a/b?token=abc.def')).toBe('/uploads/a/b?token=[redacted]');
    expect(redactUrl('/files/k?x=1&token=abc&y=2')).toBe('/files/k?x=1&token=[redacted]&y=2');
    expect(redactUrl('/p?X-Amz-Signature=ff&X-Amz-Credential=AKIA%2F&X-Amz-Security-Token=t&X-Amz-Date=1')).toBe(
      '/p?X-Amz-Signature=[redacted]&X-Amz-Credential=[redacted]&X-Amz-Security-Token=[redacted]&X-Amz-Date=1',
    );
    expect(redactUrl('/api/images?cursor=abc&limit=5')).toBe('/api/images?cursor=abc&limit=5');
    expect(redactUrl('/api/uploads')).toBe('/api/uploads');
    // Only whole parameter names: `mytoken` is not `token`.
    expect(redactUrl('/x?mytoken=1')).toBe('/x?mytoken=1');
  });
});

describe('the access log', () => {
  it('writes one line per request at info, when the response is done, with status, time and a redacted URL', async () => {
    const { app, lines } = await appLoggingAt('info');
    // Over a real socket, so the line's address is the client's.
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    for (const path of ['/ok?token=secret-value&page=2', '/missing', '/boom']) await (await fetch(`${base}${path}`)).arrayBuffer();

    const access = lines.filter((l) => l.msg === 'request completed');
    expect(access.map((l) => [l.req?.method, l.req?.url, l.res?.statusCode])).toEqual([
      ['GET', '/ok?token=[redacted]&page=2', 200],
      ['GET', '/missing', 404],
      ['GET', '/boom', 500],
    ]);
    for (const line of access) {
      expect(line.level).toBe(30);
      expect(line.responseTime).toEqual(expect.any(Number));
      expect(line.reqId).toEqual(expect.any(String));
      expect(line.req?.remoteAddress).toBe('127.0.0.1');
    }
    expect(lines.some((l) => l.msg === 'incoming request')).toBe(false);
    expect(JSON.stringify(lines)).not.toContain('secret-value');
    // The failure's own line shares the request's id with its access line.
    const failure = lines.find((l) => l.msg === 'unexpected error');
    expect(failure?.reqId).toBe(access[2]!.reqId);
  });

  it('adds the "incoming request" line at debug, redacted too', async () => {
    const { app, lines } = await appLoggingAt('debug');
    await app.inject({ method: 'GET', url: '/ok?token=secret-value' });
    expect(lines.filter((l) => l.msg === 'incoming request' || l.msg === 'request completed').map((l) => [l.msg, l.req?.url])).toEqual([
      ['incoming request', '/ok?token=[redacted]'],
      ['request completed', '/ok?token=[redacted]'],
    ]);
  });

  it('writes nothing per request below info', async () => {
    for (const level of ['warn', 'silent']) {
      const { app, lines } = await appLoggingAt(level);
      await app.inject({ method: 'GET', url: '/ok' });
      await app.inject({ method: 'GET', url: '/missing' });
      expect(lines).toEqual([]);
      await app.close();
    }
  });
});
