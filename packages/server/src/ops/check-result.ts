// The outcome of one `doctor` check, with the operator's next step when it is not fine.

/** `warn` passes with a caveat; `skip` was not run because a check it depends on failed. */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  /** True for ok and warn. */
  ok: boolean;
  detail: string;
  /** A concrete fix: a command to run or a variable to set. */
  fix?: string;
}

export function checkResult(name: string, status: CheckStatus, detail: string, fix?: string): CheckResult {
  return { name, status, ok: status === 'ok' || status === 'warn', detail, ...(fix ? { fix } : {}) };
}
