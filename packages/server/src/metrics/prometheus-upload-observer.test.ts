// Tests for PrometheusUploadObserver, driven by the real use cases over the memory fakes.
import { describe, expect, it } from 'vitest';
import { completeUpload, createUpload } from '@direct-upload/core';
import { fakePng, harness, sha256 } from '@direct-upload/core/testing';
import { createMetrics } from './metrics-registry.js';
import { PrometheusUploadObserver } from './prometheus-upload-observer.js';

function observed(overrides: Parameters<typeof harness>[0] = {}) {
  const metrics = createMetrics();
  // The observer goes into the harness, so that the processing jobs it runs report too.
  const observer = new PrometheusUploadObserver(metrics);
  const h = harness({ ...overrides, observer });
  const deps = h.deps;
  const lines = async () => (await metrics.registry.metrics()).split('\n');
  return { h, deps, metrics, lines, observer };
}

describe('PrometheusUploadObserver', () => {
  it('counts created and completed uploads by type, and completed bytes once per image', async () => {
    const { h, deps, lines } = observed();
    const body = fakePng(4, 4, 200);
    const { upload, target } = await createUpload(deps, 'alice', { filename: 'a.png', contentType: 'image/png', size: body.byteLength });
    await createUpload(deps, 'alice', { filename: 'b.jpg', contentType: 'image/jpeg', size: 10 });
    await h.transfer(target, body);
    await completeUpload(deps, 'alice', upload.id);
    // An idempotent repeat is not a second completion.
    await completeUpload(deps, 'alice', upload.id);

    const out = await lines();
    expect(out).toContain('direct_upload_uploads_created_total{content_type="image/png"} 1');
    expect(out).toContain('direct_upload_uploads_created_total{content_type="image/jpeg"} 1');
    expect(out).toContain('direct_upload_uploads_completed_total{content_type="image/png"} 1');
    expect(out).toContain('direct_upload_uploads_completed_total{content_type="image/jpeg"} 0');
    expect(out).toContain('direct_upload_upload_bytes_completed_total 200');
  });

  it('counts a rejection under its error code', async () => {
    const { h, deps, lines } = observed();
    const body = fakePng(4, 4);
    const { upload, target } = await createUpload(deps, 'alice', {
      filename: 'a.png',
      contentType: 'image/png',
      size: body.byteLength,
      checksum: { algorithm: 'sha256', value: sha256(new Uint8Array(body.byteLength)) },
    });
    await h.transfer(target, body);
    await expect(completeUpload(deps, 'alice', upload.id)).rejects.toMatchObject({ code: 'checksum_mismatch' });

    const out = await lines();
    expect(out).toContain('direct_upload_uploads_rejected_total{reason="checksum_mismatch"} 1');
    expect(out).toContain('direct_upload_uploads_completed_total{content_type="image/png"} 0');
    expect(out).toContain('direct_upload_upload_bytes_completed_total 0');
  });

  it('counts refusals by the limit that refused', async () => {
    const capped = observed();
    const request = { filename: 'a.png', contentType: 'image/png', size: 10 };
    for (let i = 0; i < 3; i++) await createUpload(capped.deps, 'alice', request);
    await expect(createUpload(capped.deps, 'alice', request)).rejects.toMatchObject({ code: 'too_many_pending_uploads' });
    await expect(createUpload(capped.deps, 'alice', request)).rejects.toMatchObject({ code: 'too_many_pending_uploads' });
    expect(await capped.lines()).toContain('direct_upload_limit_refusals_total{limit="pending_cap"} 2');
    expect(await capped.lines()).toContain('direct_upload_limit_refusals_total{limit="owner_rate"} 0');

    const limited = observed({ ownerRateLimiter: { consume: async () => ({ allowed: false, remaining: 0, retryAfterSeconds: 5 }) } });
    await expect(createUpload(limited.deps, 'alice', request)).rejects.toMatchObject({ code: 'rate_limited' });
    expect(await limited.lines()).toContain('direct_upload_limit_refusals_total{limit="owner_rate"} 1');

    // The per-IP limit lives in the HTTP layer, which calls the observer itself.
    limited.observer.limitRefused('ip_rate');
    expect(await limited.lines()).toContain('direct_upload_limit_refusals_total{limit="ip_rate"} 1');
  });

  it('does not throw on a size no counter can take', async () => {
    const { observer, lines } = observed();
    expect(() => observer.uploadCompleted('image/png', -1)).not.toThrow();
    expect(() => observer.uploadCompleted('image/png', Number.NaN)).not.toThrow();
    const out = await lines();
    expect(out).toContain('direct_upload_uploads_completed_total{content_type="image/png"} 2');
    expect(out).toContain('direct_upload_upload_bytes_completed_total 0');
  });
});
