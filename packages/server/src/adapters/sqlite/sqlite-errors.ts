// Classifies better-sqlite3 errors for the metadata store: unusable database versus a caller's mistake.
import type { DriverErrors } from '../kysely/kysely-metadata-store.js';

/** Result codes (and their extended forms) that mean the database cannot serve now, not that a query is wrong. */
const UNAVAILABLE =
  /^SQLITE_(BUSY|LOCKED|IOERR|CORRUPT|CANTOPEN|NOTADB|FULL|READONLY|PROTOCOL|NOMEM|PERM|AUTH)(_|$)/;

const codeOf = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string'
    ? (error as { code: string }).code
    : undefined;

export const sqliteErrors: DriverErrors = {
  isUnavailable(error) {
    const code = codeOf(error);
    if (code !== undefined) return UNAVAILABLE.test(code);
    // better-sqlite3 throws a plain TypeError once its connection has been closed.
    return error instanceof TypeError && /database connection is not open/i.test(error.message);
  },
  isDuplicateKey(error) {
    const code = codeOf(error);
    return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
  },
};
