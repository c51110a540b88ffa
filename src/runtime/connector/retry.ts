/**
 * Bounded retries with exponential backoff and full jitter
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/): before attempt n+1
 * the caller sleeps a uniformly random time in [0, min(maxDelay, baseDelay * 2^n)], and gives up
 * after `maxAttempts` attempts or when the next sleep would pass `totalTimeMs`.
 */

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** The cap of the first backoff; doubles on each retry. */
  readonly baseDelayMs: number;
  /** No backoff is longer than this. */
  readonly maxDelayMs: number;
  /** No retry starts after this much time since the first attempt. */
  readonly totalTimeMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  totalTimeMs: 30_000,
};

/** What a retry loop needs from the outside world; tests replace the clock and the dice. */
export interface RetryEnvironment {
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
}

export const REAL_TIME: RetryEnvironment = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/** Called before each retry: for logs and metrics. */
export type OnRetry = (info: { attempt: number; delayMs: number; error: unknown }) => void;

/** The sleep before retry number `retry` (1-based): full jitter under an exponential cap. */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * cap);
}

/**
 * Runs `operation` until it succeeds, throws an error `isTransient` says is not transient, or
 * the policy's bounds are reached; then throws the last error (or `onGiveUp`'s wrapping of it).
 */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  isTransient: (error: unknown) => boolean,
  options: { policy?: RetryPolicy; env?: RetryEnvironment; onRetry?: OnRetry; onGiveUp?: (error: unknown, attempts: number) => unknown } = {},
): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  const env = options.env ?? REAL_TIME;
  const started = env.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (!isTransient(error)) throw error;
      const delayMs = backoffDelay(policy, attempt, env.random);
      const outOfAttempts = attempt >= policy.maxAttempts;
      const outOfTime = env.now() - started + delayMs > policy.totalTimeMs;
      if (outOfAttempts || outOfTime) {
        throw options.onGiveUp ? options.onGiveUp(error, attempt) : error;
      }
      options.onRetry?.({ attempt, delayMs, error });
      await env.sleep(delayMs);
    }
  }
}
