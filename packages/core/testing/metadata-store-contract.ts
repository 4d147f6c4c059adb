// Contract of the MetadataStore port.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { MetadataStore } from '../src/index.js';
import { makeRecord } from './records.js';

export interface MetadataStoreFixture {
  store: MetadataStore;
  close?: () => Promise<void>;
}

const at = (iso: string) => new Date(iso);

export function describeMetadataStoreContract(name: string, setup: () => Promise<MetadataStoreFixture>): void {
  describe(`MetadataStore contract: ${name}`, () => {
    let fixture: MetadataStoreFixture;
    let store: MetadataStore;
    // Every test uses its own owner, so tests never see each other's rows.
    const owner = () => `owner-${randomUUID()}`;

    beforeAll(async () => {
      fixture = await setup();
      store = fixture.store;
    });
    afterAll(async () => {
      await fixture?.close?.();
    });

    it('round-trips every field of a record', async () => {
      const record = makeRecord({
        owner: owner(),
        filename: 'été 📷 "quoted".png',
        checksumSha256: 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=',
        visibility: 'private',
        metadata: { album: 'holidays', 'x.y-z': 'ünïcödé' },
        size: 10_485_760,
        createdAt: at('2026-03-01T10:00:00.123Z'),
        expiresAt: at('2026-03-01T10:15:00.456Z'),
      });
      await store.insertUpload(record);
      expect(await store.getUpload(record.id)).toEqual(record);
    });

    it('answers null for an unknown id', async () => {
      expect(await store.getUpload(randomUUID())).toBeNull();
    });

    it('refuses a second record with the same id', async () => {
      const record = makeRecord({ owner: owner() });
      await store.insertUpload(record);
      await expect(store.insertUpload(record)).rejects.toThrow();
    });

    it('changes state only from the expected state', async () => {
      const record = makeRecord({ owner: owner() });
      await store.insertUpload(record);
      expect(await store.transition(record.id, { status: 'ready' }, { status: 'rejected' })).toBeNull();
      const lease = at('2026-01-01T00:01:00.000Z');
      const processing = await store.transition(record.id, { status: 'pending' }, { status: 'processing', leaseUntil: lease });
      expect(processing).toMatchObject({ id: record.id, status: 'processing', leaseUntil: lease });
      const ready = await store.transition(
        record.id,
        { status: 'processing' },
        { status: 'ready', storageKey: `public/${record.id}`, width: 3, height: 2, completedAt: at('2026-01-01T00:00:30.000Z'), leaseUntil: null },
      );
      expect(ready).toEqual({
        ...record,
        status: 'ready',
        storageKey: `public/${record.id}`,
        width: 3,
        height: 2,
        completedAt: at('2026-01-01T00:00:30.000Z'),
        leaseUntil: null,
      });
      expect(await store.getUpload(record.id)).toEqual(ready);
      expect(await store.transition(randomUUID(), { status: 'pending' }, { status: 'expired' })).toBeNull();
    });

    it('lets exactly one of many concurrent transitions win', async () => {
      const record = makeRecord({ owner: owner() });
      await store.insertUpload(record);
      const results = await Promise.all(
        Array.from({ length: 10 }, () => store.transition(record.id, { status: 'pending' }, { status: 'processing' })),
      );
      expect(results.filter((r) => r !== null)).toHaveLength(1);
    });

    it('takes over a lease only once it has ended', async () => {
      const record = makeRecord({ owner: owner(), status: 'processing', leaseUntil: at('2026-01-01T00:05:00.000Z') });
      await store.insertUpload(record);
      const early = at('2026-01-01T00:04:00.000Z');
      const late = at('2026-01-01T00:06:00.000Z');
      expect(await store.transition(record.id, { status: 'processing', leaseEndedBefore: early }, { status: 'expired' })).toBeNull();
      expect(
        await store.transition(record.id, { status: 'processing', leaseEndedBefore: late }, { status: 'expired' }),
      ).toMatchObject({ status: 'expired' });
    });

    it('changes a record only for the expected owner and before the expected expiry', async () => {
      const o = owner();
      const expiresAt = at('2026-01-01T00:20:00.000Z');
      const record = makeRecord({ owner: o, expiresAt });
      await store.insertUpload(record);
      const start = { status: 'processing' as const, attempts: 0 };
      expect(await store.transition(record.id, { status: 'pending', owner: owner() }, start)).toBeNull();
      expect(await store.transition(record.id, { status: 'pending', owner: o, expiresAfter: expiresAt }, start)).toBeNull();
      expect(await store.transition(record.id, { status: 'pending', expiresAfter: at('2026-01-01T00:25:00.000Z') }, start)).toBeNull();
      expect(await store.getUpload(record.id)).toEqual(record);
      expect(
        await store.transition(record.id, { status: 'pending', owner: o, expiresAfter: at('2026-01-01T00:19:59.999Z') }, start),
      ).toMatchObject({ id: record.id, status: 'processing' });
    });

    it('caps only the owner\'s unexpired pending and processing uploads', async () => {
      const o = owner();
      const now = at('2026-01-01T00:10:00.000Z');
      const future = at('2026-01-01T00:20:00.000Z');
      const past = at('2026-01-01T00:05:00.000Z');
      await store.insertUpload(makeRecord({ owner: o, status: 'pending', expiresAt: future }));
      await store.insertUpload(makeRecord({ owner: o, status: 'processing', expiresAt: future }));
      await store.insertUpload(makeRecord({ owner: o, status: 'pending', expiresAt: past }));
      await store.insertUpload(makeRecord({ owner: o, status: 'ready', expiresAt: future }));
      await store.insertUpload(makeRecord({ owner: owner(), status: 'pending', expiresAt: future }));
      const third = makeRecord({ owner: o, expiresAt: future });
      expect(await store.insertUploadWithinCap(third, 3, now)).toBe(true);
      expect(await store.getUpload(third.id)).toEqual(third);
      const fourth = makeRecord({ owner: o, expiresAt: future });
      expect(await store.insertUploadWithinCap(fourth, 3, now)).toBe(false);
      expect(await store.getUpload(fourth.id)).toBeNull();
    });

    it('allows exactly one unfinished upload under a cap of one, and none under a cap of zero', async () => {
      const o = owner();
      const now = at('2026-01-01T00:10:00.000Z');
      const future = at('2026-01-01T00:20:00.000Z');
      expect(await store.insertUploadWithinCap(makeRecord({ owner: o, expiresAt: future }), 0, now)).toBe(false);
      expect(await store.insertUploadWithinCap(makeRecord({ owner: o, expiresAt: future }), 1, now)).toBe(true);
      expect(await store.insertUploadWithinCap(makeRecord({ owner: o, expiresAt: future }), 1, now)).toBe(false);
      expect(await store.insertUploadWithinCap(makeRecord({ owner: o, expiresAt: future }), 2, now)).toBe(true);
      expect(await store.insertUploadWithinCap(makeRecord({ owner: o, expiresAt: future }), 2, now)).toBe(false);
    });

    it('never exceeds the cap under concurrent inserts', async () => {
      const o = owner();
      const now = at('2026-01-01T00:10:00.000Z');
      const results = await Promise.all(
        Array.from({ length: 12 }, () => store.insertUploadWithinCap(makeRecord({ owner: o, expiresAt: at('2026-01-01T00:20:00.000Z') }), 4, now)),
      );
      expect(results.filter(Boolean)).toHaveLength(4);
    });

    it('lists ready records newest first, page by page, per owner', async () => {
      const o = owner();
      const times = ['2026-02-01T00:00:01.000Z', '2026-02-01T00:00:03.000Z', '2026-02-01T00:00:02.000Z', '2026-02-01T00:00:03.000Z'];
      const ids = ['a', 'b', 'c', 'd'].map((l) => `${l}${randomUUID().slice(1)}`);
      for (const [i, t] of times.entries()) {
        await store.insertUpload(makeRecord({ id: ids[i]!, owner: o, status: 'ready', storageKey: `public/${ids[i]}`, completedAt: at(t) }));
      }
      await store.insertUpload(makeRecord({ owner: o, status: 'pending' }));
      await store.insertUpload(makeRecord({ owner: owner(), status: 'ready', storageKey: 'public/x', completedAt: at(times[1]!) }));
      // Equal times are ordered by id, descending: d before b.
      const expected = [ids[3], ids[1], ids[2], ids[0]];
      const all = await store.listReady(o, { limit: 10 });
      expect(all.map((r) => r.id)).toEqual(expected);
      const first = await store.listReady(o, { limit: 2 });
      expect(first.map((r) => r.id)).toEqual(expected.slice(0, 2));
      const last = first.at(-1)!;
      const rest = await store.listReady(o, { limit: 10, after: { completedAt: last.completedAt!, id: last.id } });
      expect(rest.map((r) => r.id)).toEqual(expected.slice(2));
    });

    it('lists expired pending records, stalled processing records, and tombstones', async () => {
      const now = at('2030-01-01T00:00:00.000Z');
      const expiredPending = makeRecord({ owner: owner(), status: 'pending', expiresAt: at('2029-12-31T00:00:00.000Z') });
      const live = makeRecord({ owner: owner(), status: 'pending', expiresAt: at('2030-01-02T00:00:00.000Z') });
      const ready = makeRecord({ owner: owner(), status: 'ready', expiresAt: at('2029-12-31T00:00:00.000Z') });
      const stalled = makeRecord({ owner: owner(), status: 'processing', attempts: 2, leaseUntil: at('2029-12-31T23:59:00.000Z'), expiresAt: at('2029-12-31T00:00:00.000Z') });
      const working = makeRecord({ owner: owner(), status: 'processing', attempts: 1, leaseUntil: at('2030-01-01T00:01:00.000Z') });
      const deleted = makeRecord({ owner: owner(), status: 'deleted' });
      for (const r of [expiredPending, live, ready, stalled, working, deleted]) await store.insertUpload(r);
      const expiredIds = (await store.listExpired(now, 1000)).map((r) => r.id);
      expect(expiredIds).toContain(expiredPending.id);
      for (const other of [live, ready, stalled, working]) expect(expiredIds).not.toContain(other.id);
      const stalledIds = (await store.listStalledProcessing(now, 1000)).map((r) => r.id);
      expect(stalledIds).toContain(stalled.id);
      expect(stalledIds).not.toContain(working.id);
      expect((await store.listDeleted(1000)).map((r) => r.id)).toContain(deleted.id);
      expect(await store.listExpired(now, 1)).toHaveLength(1);
    });

    it('claims a processing attempt only once', async () => {
      const record = makeRecord({ owner: owner(), status: 'processing', attempts: 0 });
      await store.insertUpload(record);
      const claims = await Promise.all(
        Array.from({ length: 8 }, () => store.transition(record.id, { status: 'processing', attempts: 0 }, { attempts: 1 })),
      );
      expect(claims.filter((c) => c !== null)).toHaveLength(1);
      const variants = { thumb: { key: `public/${record.id}/thumb.webp`, contentType: 'image/webp', width: 10, height: 8, size: 321 } };
      const ready = await store.transition(record.id, { status: 'processing', attempts: 1 }, { status: 'ready', variants, placeholder: '#102030' });
      expect(ready).toMatchObject({ status: 'ready', attempts: 1, variants, placeholder: '#102030' });
      expect(await store.getUpload(record.id)).toEqual(ready);
    });

    it('removes a record for good', async () => {
      const record = makeRecord({ owner: owner() });
      await store.insertUpload(record);
      await store.remove(record.id);
      expect(await store.getUpload(record.id)).toBeNull();
      await expect(store.remove(record.id)).resolves.toBeUndefined();
    });

    it('wakes a waiter when the record leaves processing', async () => {
      // A wake is a hint to read the record again, so a store may also wake early (never late).
      const record = makeRecord({ owner: owner(), status: 'processing', attempts: 0 });
      await store.insertUpload(record);
      const waiting = store.waitForSettled(record.id, 20_000);
      await store.transition(record.id, { status: 'processing', attempts: 0 }, { attempts: 1 });
      const started = Date.now();
      await store.transition(record.id, { status: 'processing', attempts: 1 }, { status: 'ready', completedAt: at('2026-01-01T00:00:00.000Z') });
      await waiting;
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it('lets a wait end on its timeout or its signal', async () => {
      const record = makeRecord({ owner: owner(), status: 'processing' });
      await store.insertUpload(record);
      const started = Date.now();
      await store.waitForSettled(record.id, 80);
      const controller = new AbortController();
      const waiting = store.waitForSettled(record.id, 10_000, controller.signal);
      controller.abort();
      await waiting;
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it('answers ping when reachable', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
