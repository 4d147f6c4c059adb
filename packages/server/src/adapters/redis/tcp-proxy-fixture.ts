// A TCP proxy in front of Redis for tests: lets a test take "Redis" away, stall it, and bring it back.
import { createServer, Socket, type AddressInfo, type Server } from 'node:net';

export interface TcpProxy {
  /** `redis://127.0.0.1:<port>` of the proxy. */
  url: string;
  /** Drops every connection and stops listening, as a crashed Redis would. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  /** Keeps connections open but stops forwarding requests, as a stalled Redis would. */
  stall(): void;
}

export async function startTcpProxy(targetUrl: string): Promise<TcpProxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  let server: Server | undefined;
  let port = 0;

  const listen = async () => {
    const next = createServer((client) => {
      const upstream = new Socket();
      upstream.connect(Number(target.port), target.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        // Either side failing just ends the pair; the client under test sees a dropped connection.
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      const pair = { client, upstream };
      pairs.add(pair);
      client.on('close', () => pairs.delete(pair));
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => resolve());
    });
    port = (next.address() as AddressInfo).port;
    server = next;
  };

  await listen();
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      const closing = server;
      server = undefined;
      for (const socket of sockets) socket.destroy();
      if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
    },
    start: listen,
    stall() {
      for (const { client, upstream } of pairs) client.unpipe(upstream);
    },
  };
}
