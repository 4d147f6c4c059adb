// Classifies node-postgres errors for the metadata store: unusable database versus a caller's mistake.
import type { DriverErrors } from '../kysely/kysely-metadata-store.js';

/**
 * SQLSTATE classes and codes meaning the database cannot serve now but may later: connection
 * exceptions (08), insufficient resources such as too many connections or a full disk (53),
 * operator intervention such as shutdown, restart or statement_timeout (57), system and I/O errors
 * (58), lost authorization after a credential change (28), a missing database (3D000), a standby
 * reached during failover (25006), lock_timeout (55P03), and serialization failures and deadlocks
 * (40001, 40P01), which a retry by the client resolves.
 */
const UNAVAILABLE_SQLSTATE = /^(08|53|57|58|28)|^(3D000|25006|55P03|40001|40P01|XX001|XX002)$/;

/** Socket and DNS failures reaching the server. */
const UNAVAILABLE_SYSTEM_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** node-postgres, pg-pool and Kysely raise these without a code when a connection is lost, timed out or shut. */
const UNAVAILABLE_MESSAGE =
  /^(Connection terminated|timeout expired|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable|Cannot use a pool after calling end|driver has already been destroyed|Postgres connection has been discarded|The server does not support SSL connections|There was an error establishing an SSL connection)/;

const codeOf = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string'
    ? (error as { code: string }).code
    : undefined;

function isUnavailableItself(error: unknown): boolean {
  const code = codeOf(error);
  if (code !== undefined) {
    if (/^[0-9A-Z]{5}$/.test(code) && UNAVAILABLE_SQLSTATE.test(code)) return true;
    if (UNAVAILABLE_SYSTEM_CODES.has(code)) return true;
  }
  return error instanceof Error && UNAVAILABLE_MESSAGE.test(error.message);
}

export const pgErrors: DriverErrors = {
  isUnavailable(error) {
    // pg-pool wraps a connect timeout around the socket error, and net wraps one failure per address.
    const seen = new Set<unknown>();
    const pending: unknown[] = [error];
    while (pending.length > 0) {
      const current = pending.pop();
      if (seen.has(current) || current === undefined || current === null) continue;
      seen.add(current);
      if (isUnavailableItself(current)) return true;
      if (current instanceof AggregateError) pending.push(...current.errors);
      if (current instanceof Error) pending.push(current.cause);
    }
    return false;
  },
  isDuplicateKey(error) {
    return codeOf(error) === '23505';
  },
};
