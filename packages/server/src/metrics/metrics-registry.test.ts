// Tests for createMetrics: own registry per call, default process metrics, the upload series.
import { describe, expect, it } from 'vitest';
import { register as globalRegistry } from 'prom-client';
import { createMetrics, HTTP_DURATION_BUCKETS } from './metrics-registry.js';

const lines = async (metrics: ReturnType<typeof createMetrics>) => (await metrics.registry.metrics()).split('\n');

describe('createMetrics', () => {
  it('keeps counts apart between two registries and out of the global one', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.uploadsRejected.inc({ reason: 'invalid_image' });
    a.uploadsRejected.inc({ reason: 'invalid_image' });
    b.uploadsRejected.inc({ reason: 'invalid_image' });
    a.uploadBytesCompleted.inc(500);

    expect(await lines(a)).toContain('direct_upload_uploads_rejected_total{reason="invalid_image"} 2');
    expect(await lines(b)).toContain('direct_upload_uploads_rejected_total{reason="invalid_image"} 1');
    expect(await lines(a)).toContain('direct_upload_upload_bytes_completed_total 500');
    expect(await lines(b)).toContain('direct_upload_upload_bytes_completed_total 0');
    expect(await globalRegistry.metrics()).not.toContain('direct_upload_');
  });

  it('collects the default process metrics into its own registry', async () => {
    const text = (await lines(createMetrics())).join('\n');
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      expect(text).toContain(`# TYPE ${name} `);
    }
  });

  it('declares every upload metric with its type, and starts the closed label sets at 0', async () => {
    const out = await lines(createMetrics());
    expect(out).toContain('# TYPE direct_upload_uploads_created_total counter');
    expect(out).toContain('# TYPE direct_upload_uploads_completed_total counter');
    expect(out).toContain('# TYPE direct_upload_upload_bytes_completed_total counter');
    expect(out).toContain('# TYPE direct_upload_uploads_rejected_total counter');
    expect(out).toContain('# TYPE direct_upload_limit_refusals_total counter');
    expect(out).toContain('# TYPE direct_upload_http_request_duration_seconds histogram');
    for (const limit of ['owner_rate', 'ip_rate', 'pending_cap']) {
      expect(out).toContain(`direct_upload_limit_refusals_total{limit="${limit}"} 0`);
    }
    expect(out).toContain('direct_upload_uploads_created_total{content_type="image/png"} 0');
    expect(out).toContain('direct_upload_uploads_completed_total{content_type="image/avif"} 0');
    // Rejection reasons are an open set: no series until one happens.
    expect(out.filter((line) => line.startsWith('direct_upload_uploads_rejected_total{'))).toEqual([]);
  });

  it('buckets request durations from a millisecond to a minute', async () => {
    const metrics = createMetrics();
    metrics.httpRequestDuration.observe({ method: 'GET', route: '/x', status_code: '200' }, 0.3);
    const buckets = (await lines(metrics)).filter((line) => line.startsWith('direct_upload_http_request_duration_seconds_bucket{'));
    expect(buckets).toHaveLength(HTTP_DURATION_BUCKETS.length + 1);
    expect(buckets).toContain('direct_upload_http_request_duration_seconds_bucket{le="0.25",method="GET",route="/x",status_code="200"} 0');
    expect(buckets).toContain('direct_upload_http_request_duration_seconds_bucket{le="0.5",method="GET",route="/x",status_code="200"} 1');
    expect(buckets).toContain('direct_upload_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/x",status_code="200"} 1');
    expect(HTTP_DURATION_BUCKETS[0]).toBe(0.001);
    expect(HTTP_DURATION_BUCKETS.at(-1)).toBe(60);
  });
});
