// The ioredis client of a server process: fails fast while Redis is down and reconnects in the background.
import { Redis } from 'ioredis';
import { unavailable } from '@direct-upload/core';
import { oncePerInterval } from './once-per-interval.js';

export interface RedisClientOptions {
  /** Receives connection errors, at most one per `errorLogIntervalMs`, with how many were dropped since the last. */
  onError?: (error: Error, suppressed: number) => void;
  /** Default 30 s: a Redis that stays down retries every couple of seconds and must not flood the log. */
  errorLogIntervalMs?: number;
  /** How long one connection attempt may take. Default 2000 ms. */
  connectTimeoutMs?: number;
  /** How long a command may wait for its reply before failing, so a stalled Redis cannot hold requests. Default 1000 ms. */
  commandTimeoutMs?: number;
}

/** Delay before reconnection attempt `attempt` (1-based): exponential from 50 ms, capped at 2 s, with jitter so instances spread out. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(50 * 2 ** (attempt - 1), 2000) + Math.floor(Math.random() * 100);
}

export function createRedisClient(url: string, options: RedisClientOptions = {}): Redis {
  const client = new Redis(url, {
    // A command issued while disconnected fails at once instead of queueing for a Redis that may not come back.
    enableOfflineQueue: false,
    connectTimeout: options.connectTimeoutMs ?? 2000,
    commandTimeout: options.commandTimeoutMs ?? 1000,
    // Commands cut off by a dropped connection fail instead of being replayed: a replayed INCRBY would count twice.
    maxRetriesPerRequest: 0,
    retryStrategy: reconnectDelayMs,
    // Connect now, so the first request finds the connection ready rather than refused.
    lazyConnect: false,
  });
  const report = options.onError ? oncePerInterval(options.onError, options.errorLogIntervalMs ?? 30_000) : undefined;
  // Without a listener ioredis writes every failed reconnection attempt to stderr.
  client.on('error', (error: Error) => report?.(error));
  return client;
}

/** Resolves when Redis answers a PING; otherwise rejects with `service_unavailable` (or the signal's reason when aborted). */
export async function pingRedis(client: Redis, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  try {
    await abortable(
      untilReady(client).then(() => client.ping()),
      signal,
    );
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw unavailable('Redis', error);
  }
}

/** Closes the connection for good: politely when connected, at once otherwise (QUIT cannot be sent then). */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch {
      // The connection broke while quitting: disconnecting below still stops reconnection.
    }
  }
  client.disconnect();
}

/** Waits for a connection attempt in progress; a client between attempts or closed is not ready. */
function untilReady(client: Redis): Promise<void> {
  switch (client.status) {
    case 'ready':
      return Promise.resolve();
    case 'wait':
      return client.connect();
    case 'connecting':
    case 'connect':
      return new Promise((resolve, reject) => {
        const settle = (error?: Error) => {
          client.off('ready', onReady).off('error', onError).off('end', onEnd);
          if (error) reject(error);
          else resolve();
        };
        const onReady = () => settle();
        const onError = (error: Error) => settle(error);
        const onEnd = () => settle(new Error('Redis connection closed'));
        client.once('ready', onReady).once('error', onError).once('end', onEnd);
      });
    default:
      return Promise.reject(new Error(`Redis connection is ${client.status}`));
  }
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
