import { afterEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { until } from '@direct-upload/core/testing';
import { POSTGRES_URL, serviceAvailable } from '../../../test/services.js';
import { PgChannelListener } from './pg-channel-listener.js';

const available = await serviceAvailable('PostgreSQL', POSTGRES_URL);
const CHANNEL = `du_test_${process.pid}`;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));


async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
const notify = (channel: string, payload: string) => admin((client) => client.query('select pg_notify($1, $2)', [channel, payload]));
/** Ends the server side of every connection listening on `channel` (as a restart or a pooler would). */
const terminateListeners = (channel: string) =>
  admin((client) => client.query(`select pg_terminate_backend(pid) from pg_stat_activity where query = $1 and pid <> pg_backend_pid()`, [`listen ${channel}`]));

const listeners: PgChannelListener[] = [];
afterEach(async () => {
  await Promise.all(listeners.splice(0).map((listener) => listener.close()));
});

function listener(events: string[], wanted?: () => boolean) {
  const made = new PgChannelListener({
    url: POSTGRES_URL,
    channel: CHANNEL,
    onNotification: (payload) => events.push(`notified ${payload}`),
    onListening: () => events.push('listening'),
    onLost: () => events.push('lost'),
    onError: () => events.push('error'),
    ...(wanted ? { wanted } : {}),
  });
  listeners.push(made);
  return made;
}

describe('PgChannelListener', () => {
  it('refuses a channel name that is not a plain identifier', () => {
    expect(() => new PgChannelListener({ url: POSTGRES_URL, channel: 'x; drop table uploads', onNotification: () => {} })).toThrow(RangeError);
  });

  it.skipIf(!available)('delivers the payloads of its own channel only', async () => {
    const events: string[] = [];
    listener(events).ensure();
    await until(() => events.includes('listening'), 'it listens');
    await notify(`${CHANNEL}_other`, 'elsewhere');
    await notify(CHANNEL, 'first');
    await until(() => events.includes('notified first'), 'the notification arrives');
    expect(events).toEqual(['listening', 'notified first']);
  });

  it.skipIf(!available)('listens again after its connection is ended, and says so', { timeout: 20_000 }, async () => {
    const events: string[] = [];
    listener(events).ensure();
    await until(() => events.includes('listening'), 'it listens');
    await terminateListeners(CHANNEL);
    await until(() => events.filter((event) => event === 'listening').length === 2, 'it listens again');
    expect(events).toContain('lost');
    await notify(CHANNEL, 'after');
    await until(() => events.includes('notified after'), 'the notification arrives on the new connection');
  });

  it.skipIf(!available)('stays down after a loss while it is not wanted, and stops for good when closed', { timeout: 20_000 }, async () => {
    const events: string[] = [];
    let wanted = false;
    const made = listener(events, () => wanted);
    expect(made.listening).toBe(false);
    made.ensure();
    await until(() => events.includes('listening'), 'it listens');
    expect(made.listening).toBe(true);
    await terminateListeners(CHANNEL);
    await until(() => events.includes('lost'), 'the loss is seen');
    await sleep(1_500);
    expect(events.filter((event) => event === 'listening')).toHaveLength(1);
    expect(made.listening).toBe(false);
    wanted = true;
    made.ensure();
    await until(() => events.filter((event) => event === 'listening').length === 2, 'it listens when asked');
    await made.close();
    expect(made.listening).toBe(false);
    await notify(CHANNEL, 'closed');
    await sleep(300);
    expect(events).not.toContain('notified closed');
  });
});
