import { describe, expect, it } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { pgErrors } from './pg-errors.js';

/** An error as node-postgres raises it for a server response: an Error carrying the SQLSTATE. */
const sqlState = (code: string) => Object.assign(new Error(`server error ${code}`), { code });

describe('pgErrors', () => {
  it('calls connection, resource, shutdown and transient conflict states an outage', () => {
    for (const code of ['08006', '08001', '53300', '53100', '57P01', '57P02', '57P03', '57014', '58030', '40001', '40P01', '55P03', '25006', '28P01', '3D000']) {
      expect(pgErrors.isUnavailable(sqlState(code)), code).toBe(true);
    }
  });

  it("does not call a caller's or a query's mistake an outage", () => {
    for (const code of ['23505', '23502', '22P02', '42P01', '42703', '42601', '0A000']) {
      expect(pgErrors.isUnavailable(sqlState(code)), code).toBe(false);
    }
    expect(pgErrors.isUnavailable(new Error('upload x exists'))).toBe(false);
    expect(pgErrors.isUnavailable(undefined)).toBe(false);
  });

  it('tells a duplicate key apart', () => {
    expect(pgErrors.isDuplicateKey(sqlState('23505'))).toBe(true);
    expect(pgErrors.isDuplicateKey(sqlState('23503'))).toBe(false);
    expect(pgErrors.isDuplicateKey(new Error('x'))).toBe(false);
  });

  it('finds socket failures inside the errors that wrap them', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(pgErrors.isUnavailable(new AggregateError([refused], 'all addresses failed'))).toBe(true);
    expect(pgErrors.isUnavailable(new Error('Connection terminated due to connection timeout', { cause: new Error('timeout expired') }))).toBe(true);
  });

  it('calls a server that never answers an outage, once the pool gives up waiting for it', async () => {
    // Accepts connections and says nothing: the client's connect timeout ends the wait.
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const pool = new pg.Pool({ host: '127.0.0.1', port, user: 'x', database: 'x', connectionTimeoutMillis: 100 });
    try {
      const error = await pool.connect().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(pgErrors.isUnavailable(error)).toBe(true);
    } finally {
      await pool.end();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('calls a pool that has been ended an outage', async () => {
    const pool = new pg.Pool({ host: '127.0.0.1', port: 1 });
    await pool.end();
    const error = await pool.connect().catch((e: unknown) => e);
    expect(pgErrors.isUnavailable(error)).toBe(true);
  });
});
