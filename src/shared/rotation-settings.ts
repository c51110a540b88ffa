/**
 * The contract between the rotation function's construct (src/rotation/rotation-function.ts) and
 * its handler (src/runtime/rotation/index.ts): the environment variables the construct sets, the
 * encoding of `RetireOldKey`, and the scheduled event that retires the previous key. Written once,
 * here; both sides import it (test/architecture/contract.test.ts checks they agree).
 */

/** The rotator's secret (its ARN), read at AWSCURRENT only. */
export const ADMIN_SECRET_ENV = 'SNOWFLAKE_ADMIN_SECRET_ID';
/** When the previous key is retired: `encodeRetirePolicy`'s output. */
export const RETIRE_ENV = 'SNOWFLAKE_RETIRE_OLD_KEY';
/** `true`: overwrite a key slot that holds a key this rotation did not issue. Absent: refuse. */
export const OVERWRITE_ENV = 'SNOWFLAKE_OVERWRITE_UNKNOWN_KEYS';

/** The `action` of the hourly event that retires the previous key once its grace period is over. */
export const RETIRE_ACTION = 'retirePreviousKey';

/** When the previous key is removed from the Snowflake user (`RetireOldKey`). */
export type RetirePolicy = { readonly kind: 'immediately' } | { readonly kind: 'next-rotation' } | { readonly kind: 'after'; readonly seconds: number };

/**
 * The text the construct writes to `RETIRE_ENV`: `immediately`, `next-rotation` or
 * `after:<seconds>`. `seconds` may be a CDK token (a number token renders inside the string).
 */
export function encodeRetirePolicy(policy: RetirePolicy): string {
  return policy.kind === 'after' ? `after:${policy.seconds}` : policy.kind;
}

/** The policy `encodeRetirePolicy` wrote; undefined (absent: `next-rotation`) or a problem for any other text. */
export function decodeRetirePolicy(text: string | undefined): RetirePolicy | { readonly problem: string } {
  if (!text || text === 'next-rotation') return { kind: 'next-rotation' };
  if (text === 'immediately') return { kind: 'immediately' };
  const after = /^after:(\d+)$/.exec(text);
  if (after) return { kind: 'after', seconds: Number(after[1]) };
  return { problem: `${RETIRE_ENV} is ${JSON.stringify(text)}; expected immediately, next-rotation or after:<seconds>` };
}
