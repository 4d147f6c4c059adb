// How the job runners hand failures to the caller's reporter without ever throwing themselves.

/** Receives a failure of a job (with its upload id) or of the runner's backing service (without one). */
export type JobErrorReporter = (error: unknown, uploadId?: string) => void;

/** Calls `onError` (or logs when there is none); a reporter that throws must not take the runner down. */
export function reportSafely(onError: JobErrorReporter | undefined, error: unknown, uploadId?: string): void {
  try {
    if (onError) onError(error, uploadId);
    else console.error(uploadId === undefined ? 'job runner failed' : `job for upload ${uploadId} failed`, error);
  } catch {
    // Nothing sensible is left to do with a failure of the reporter itself.
  }
}
