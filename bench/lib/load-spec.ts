// What the load generator (bench/load.ts) is asked to do and what it answers, shared with its caller.

export interface Common {
  /** Full URL of the route for `post`; the API's base URL for `complete`. */
  url: string;
  connections: number;
  /** Hard stop for the whole run, whatever happens. */
  maxSeconds: number;
}
/** POST one JSON body for `duration` seconds, each connection with a bearer token for an owner of its own. */
export interface PostSpec extends Common {
  kind: 'post';
  duration: number;
  warmupSeconds: number;
  body: string;
  jwtSecret: string;
}
/** Complete each upload of the pool once, with its owner's token. */
export interface CompleteSpec extends Common {
  kind: 'complete';
  amount: number;
  pool: Array<{ id: string; token: string }>;
}
export type LoadSpec = PostSpec | CompleteSpec;

export interface LoadResult {
  durationSeconds: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** 2xx responses per second. */
  rps: number;
  latencyMs: { p50: number; p99: number; average: number };
  statusCodes: Record<string, number>;
  /** `complete` runs: pool entries handed out; more than the pool holds means some calls reused none. */
  poolUsed?: number;
}

/** Printed when the measured run begins (after any warm-up), so the caller can sample the server's CPU. */
export const START_MARKER = 'measuring';
