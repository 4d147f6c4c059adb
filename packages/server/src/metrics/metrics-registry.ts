// The server's Prometheus metrics, each set on its own registry so several servers in one process never share counts.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { IMAGE_TYPES, type UploadObserver } from '@direct-upload/core';

const PREFIX = 'direct_upload_';
/** Resolution of the event-loop delay sampling, in milliseconds. */
const EVENT_LOOP_PRECISION_MS = 100;

/** The limits a refusal can name; a closed set, so every series is created up front at 0. */
export const LIMITS = ['owner_rate', 'ip_rate', 'pending_cap'] as const satisfies readonly Parameters<UploadObserver['limitRefused']>[0][];

/**
 * Seconds. API calls take milliseconds; `complete` reads and decodes the image and disk uploads stream
 * the bytes, so the upper buckets reach well past a second.
 */
export const HTTP_DURATION_BUCKETS: readonly number[] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export interface Metrics {
  readonly registry: Registry;
  readonly uploadsCreated: Counter<'content_type'>;
  readonly uploadsCompleted: Counter<'content_type'>;
  readonly uploadBytesCompleted: Counter;
  readonly uploadsRejected: Counter<'reason'>;
  readonly limitRefusals: Counter<'limit'>;
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  // The event-loop delay histogram samples with a timer; at prom-client's default 10 ms an idle
  // server wakes 100 times a second (measured: ~5 ms of CPU per second). 100 ms keeps the lag
  // percentiles meaningful at a tenth of that.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_PRECISION_MS });
  const registers = [registry];

  const metrics: Metrics = {
    registry,
    uploadsCreated: new Counter({
      name: `${PREFIX}uploads_created_total`,
      help: 'Uploads accepted for signing, by declared content type.',
      labelNames: ['content_type'],
      registers,
    }),
    uploadsCompleted: new Counter({
      name: `${PREFIX}uploads_completed_total`,
      help: 'Uploads verified and made ready, by content type.',
      labelNames: ['content_type'],
      registers,
    }),
    uploadBytesCompleted: new Counter({
      name: `${PREFIX}upload_bytes_completed_total`,
      help: 'Bytes of uploads verified and made ready.',
      registers,
    }),
    uploadsRejected: new Counter({
      name: `${PREFIX}uploads_rejected_total`,
      help: 'Uploads whose bytes failed verification, by error code.',
      labelNames: ['reason'],
      registers,
    }),
    limitRefusals: new Counter({
      name: `${PREFIX}limit_refusals_total`,
      help: 'Requests refused by a rate limit or cap.',
      labelNames: ['limit'],
      registers,
    }),
    httpRequestDuration: new Histogram({
      name: `${PREFIX}http_request_duration_seconds`,
      help: 'HTTP request durations, by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [...HTTP_DURATION_BUCKETS],
      registers,
    }),
  };

  // Series that exist from the start let `rate()` see the first increment instead of a series appearing.
  for (const limit of LIMITS) metrics.limitRefusals.inc({ limit }, 0);
  for (const contentType of IMAGE_TYPES) {
    metrics.uploadsCreated.inc({ content_type: contentType }, 0);
    metrics.uploadsCompleted.inc({ content_type: contentType }, 0);
  }
  return metrics;
}
