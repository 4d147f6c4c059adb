import { describe, expect, it } from 'vitest';
import { judgeSkew } from './doctor-clock.js';

const at = (iso: string) => new Date(iso);
/** The store's Date header keeps whole seconds. */
const store = (iso: string) => Math.floor(Date.parse(iso) / 1000) * 1000;

describe('judgeSkew', () => {
  const local = at('2030-01-01T12:00:00.500Z');

  it('passes a clock that agrees with the store', () => {
    expect(judgeSkew(store('2030-01-01T12:00:00Z'), local, local, 300)).toMatchObject({ status: 'ok', detail: "this host's clock agrees with the store's" });
    expect(judgeSkew(store('2030-01-01T12:00:45Z'), local, local, 300)).toMatchObject({ status: 'ok' });
  });

  it('warns beyond a minute', () => {
    const ahead = judgeSkew(store('2030-01-01T11:58:00Z'), local, local, 300);
    expect(ahead).toMatchObject({ status: 'warn', ok: true, detail: expect.stringContaining('120 s ahead of') });
    expect(ahead.fix).toContain('NTP');
    expect(judgeSkew(store('2030-01-01T12:02:00Z'), local, local, 300)).toMatchObject({ status: 'warn', detail: expect.stringContaining('120 s behind') });
  });

  it('fails when upload URLs would already be expired when issued', () => {
    const behind = judgeSkew(store('2030-01-01T12:05:00Z'), local, local, 300);
    expect(behind).toMatchObject({ status: 'fail', ok: false, detail: expect.stringContaining('expire before a browser can use them') });
    expect(judgeSkew(store('2030-01-01T12:05:00Z'), local, local, 600)).toMatchObject({ status: 'warn' });
  });

  it('fails beyond the 15 minutes SigV4 tolerates', () => {
    expect(judgeSkew(store('2030-01-01T11:44:00Z'), local, local, 300)).toMatchObject({ status: 'fail', detail: expect.stringContaining('15 minutes') });
  });
});
