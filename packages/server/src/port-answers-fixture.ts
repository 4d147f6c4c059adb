// For tests and benchmarks: whether something accepts TCP connections at a service URL's host and port.
import { Socket } from 'node:net';

/** True once a connection to the URL's host and port opens within a second; the default port when the URL has none. */
export function portAnswers(url: string, defaultPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(Number(port || defaultPort), hostname.replace(/^\[|\]$/g, ''), () => done(true));
  });
}
