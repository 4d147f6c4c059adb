// UploadObserver over the Prometheus counters of `createMetrics`.
import type { ErrorCode } from '@direct-upload/protocol';
import type { UploadObserver } from '@direct-upload/core';
import type { Metrics } from './metrics-registry.js';

type UploadCounters = Pick<Metrics, 'uploadsCreated' | 'uploadsCompleted' | 'uploadBytesCompleted' | 'uploadsRejected' | 'limitRefusals'>;

export class PrometheusUploadObserver implements UploadObserver {
  constructor(private readonly metrics: UploadCounters) {}

  uploadCreated(contentType: string): void {
    this.metrics.uploadsCreated.inc({ content_type: contentType });
  }

  uploadCompleted(contentType: string, size: number): void {
    this.metrics.uploadsCompleted.inc({ content_type: contentType });
    // A counter throws on negative or non-finite steps, and the port must not throw.
    if (Number.isFinite(size) && size > 0) this.metrics.uploadBytesCompleted.inc(size);
  }

  uploadRejected(reason: ErrorCode): void {
    this.metrics.uploadsRejected.inc({ reason });
  }

  limitRefused(limit: 'owner_rate' | 'ip_rate' | 'pending_cap'): void {
    this.metrics.limitRefusals.inc({ limit });
  }
}
