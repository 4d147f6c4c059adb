// Use case: are the services this instance depends on (database, object store, ...) reachable?

export type DependencyCheck = (signal?: AbortSignal) => Promise<void>;

export interface Readiness {
  ready: boolean;
  checks: Record<string, boolean>;
}

export async function checkReadiness(checks: Record<string, DependencyCheck>, signal?: AbortSignal): Promise<Readiness> {
  const names = Object.keys(checks);
  const results = await Promise.all(names.map((name) => settle(checks[name]!(signal), signal)));
  return { ready: results.every(Boolean), checks: Object.fromEntries(names.map((name, i) => [name, results[i]!])) };
}

/** True when the check passes before the signal aborts; a hung dependency counts as down. */
function settle(check: Promise<void>, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    check.then(() => resolve(true), () => resolve(false));
    if (signal?.aborted) resolve(false);
    signal?.addEventListener('abort', () => resolve(false), { once: true });
  });
}
