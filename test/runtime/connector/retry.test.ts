import { backoffDelay, RetryEnvironment, RetryPolicy, withRetry } from '../../../src/runtime/connector/retry';

const POLICY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1_000, totalTimeMs: 10_000 };

/** A fake clock: sleeping moves time forward; `random` is fixed. */
function fakeEnvironment(random = 0.999): RetryEnvironment & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => { slept.push(ms); now += ms; },
    random: () => random,
  };
}

class Transient extends Error {}

test('backoff caps grow exponentially up to maxDelay, and the jitter spans the whole range', () => {
  expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(POLICY, n, () => 0.999999))).toEqual([99, 199, 399, 799, 999, 999]);
  expect([1, 2, 3].map((n) => backoffDelay(POLICY, n, () => 0))).toEqual([0, 0, 0]);
  expect(backoffDelay(POLICY, 3, () => 0.5)).toBe(200);
});

test('a transient failure is retried until it succeeds', async () => {
  const env = fakeEnvironment();
  let calls = 0;
  const result = await withRetry(async () => {
    calls++;
    if (calls < 3) throw new Transient('flaky');
    return 'ok';
  }, (e) => e instanceof Transient, { policy: POLICY, env });
  expect(result).toBe('ok');
  expect(calls).toBe(3);
  expect(env.slept).toEqual([99, 199]);
});

test('a permanent failure is not retried', async () => {
  const env = fakeEnvironment();
  let calls = 0;
  await expect(withRetry(async () => {
    calls++;
    throw new Error('SQL compilation error');
  }, (e) => e instanceof Transient, { policy: POLICY, env })).rejects.toThrow('SQL compilation error');
  expect(calls).toBe(1);
  expect(env.slept).toEqual([]);
});

test('attempts are bounded, and the give-up hook wraps the last error', async () => {
  const env = fakeEnvironment();
  let calls = 0;
  await expect(withRetry(async () => {
    calls++;
    throw new Transient(`attempt ${calls}`);
  }, (e) => e instanceof Transient, {
    policy: POLICY,
    env,
    onGiveUp: (error, attempts) => new Error(`gave up after ${attempts}: ${(error as Error).message}`),
  })).rejects.toThrow('gave up after 5: attempt 5');
  expect(calls).toBe(5);
});

test('total time is bounded: no retry starts past totalTimeMs', async () => {
  const env = fakeEnvironment();
  let calls = 0;
  await expect(withRetry(async () => {
    calls++;
    throw new Transient('down');
  }, (e) => e instanceof Transient, { policy: { ...POLICY, maxAttempts: 100, totalTimeMs: 1_000 }, env })).rejects.toThrow('down');
  // Sleeps of 99 + 199 + 399 = 697 ms; the next (799) would end past 1,000 ms.
  expect(env.slept).toEqual([99, 199, 399]);
  expect(calls).toBe(4);
});
