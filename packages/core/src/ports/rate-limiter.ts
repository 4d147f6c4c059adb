// RateLimiter port: a fixed budget of actions per key and window.

export interface RateLimitDecision {
  allowed: boolean;
  remaining: number;
  /** When refused: seconds until the next action is allowed. */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  consume(key: string): Promise<RateLimitDecision>;
}
