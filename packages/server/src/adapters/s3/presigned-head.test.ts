import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { PresignedHead } from './presigned-head.js';

const servers: http.Server[] = [];
const heads: PresignedHead[] = [];

afterEach(async () => {
  for (const head of heads.splice(0)) head.close();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A server that answers each request with `answer`, or never when it returns false; `closed` counts dropped connections. */
async function serve(answer: (request: http.IncomingMessage, response: http.ServerResponse) => boolean) {
  const seen = { requests: 0, closed: 0 };
  const server = http.createServer((request, response) => {
    seen.requests++;
    request.socket.once('close', () => seen.closed++);
    if (!answer(request, response)) return;
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/bucket/key?X-Amz-Signature=x`, seen };
}

function newHead(): PresignedHead {
  const head = new PresignedHead();
  heads.push(head);
  return head;
}

describe('PresignedHead', () => {
  it('answers the status, length and type, and leaves no listener on the signal', async () => {
    const { url } = await serve((request, response) => {
      expect(request.method).toBe('HEAD');
      expect(request.url).toBe('/bucket/key?X-Amz-Signature=x');
      response.writeHead(200, { 'content-length': '1234', 'content-type': 'image/png' }).end();
      return true;
    });
    const controller = new AbortController();
    const head = newHead();
    for (let i = 0; i < 3; i++) {
      expect(await head.send(url, controller.signal)).toEqual({ status: 200, contentLength: 1234, contentType: 'image/png' });
    }
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  // The bound is far below the HEAD's own 10 s timeout, which would otherwise end the wait with an AbortError too.
  it('drops the request when the signal aborts while it waits, with the caller’s reason as the cause', { timeout: 5000 }, async () => {
    const { url, seen } = await serve(() => false);
    const controller = new AbortController();
    const pending = newHead().send(url, controller.signal);
    await expect.poll(() => seen.requests).toBe(1);
    const reason = new Error('client went away');
    controller.abort(reason);
    const error = await pending.catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AbortError', cause: reason });
    await expect.poll(() => seen.closed).toBe(1);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('does not send at all when the signal has already aborted', async () => {
    const { url, seen } = await serve((_request, response) => (response.end(), true));
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    await expect(newHead().send(url, controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen.requests).toBe(0);
  });

  it('reports a refused connection as the error it is, and removes its listener', async () => {
    const { url } = await serve(() => true);
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const controller = new AbortController();
    const error = await newHead().send(url, controller.signal).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
