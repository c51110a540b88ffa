/**
 * The endpoint's fault switches, and what snowflake-sdk 3.3.0 does about each: latency, HTTP
 * errors and connection resets, on logins, queries and heartbeats.
 *
 * What the driver does (observed here, and in its source):
 * - query requests (and result polls) retry on HTTP 5xx/408/429 and on network errors, with the
 *   same requestId, after a randomised sleep of 1–3 s at first (sfRetryStartingSleepTime 1,
 *   growing up to 16 s; up to 1000 retries): a single fault is invisible to the caller;
 * - logins retry the same way (new JWT each time), sleeping 0.5–2.5 s at first, up to
 *   sfRetryMaxLoginRetries (default 7); with 0 retries the fault surfaces: HTTP errors as
 *   401002 "Request to Snowflake failed.", resets as 401001 with the socket error's message
 *   ("socket hang up");
 * - heartbeats (isValidAsync) do not retry: any fault makes isValidAsync() answer false.
 */
import '../src/driver-env';
import * as snowflake from 'snowflake-sdk';
import { driverOptionsFor, LocalSnowflake, startLocalSnowflake } from '../src';
import { connect, connectError, destroy, execute } from '../src/promisified';
import { newKeyPair, TestKeyPair } from '../src/test-keys';

snowflake.configure({ logLevel: 'OFF' });

let endpoint: LocalSnowflake;
let key: TestKeyPair;
let conn: snowflake.Connection;

beforeAll(async () => {
  endpoint = await startLocalSnowflake();
  key = newKeyPair();
  endpoint.addUser({ name: 'svc', publicKeys: [key.publicKeyPem] });
  conn = await connect(newConnection());
});

afterAll(async () => {
  if (conn?.isUp()) await destroy(conn);
  await endpoint?.stop();
});

beforeEach(() => {
  endpoint.faults.reset();
  endpoint.resetCounters();
});

function newConnection(extra: Partial<snowflake.ConnectionOptions> = {}): snowflake.Connection {
  return snowflake.createConnection(driverOptionsFor(endpoint, { user: 'svc', privateKeyPem: key.privateKeyPem }, extra));
}

async function timed<T>(work: Promise<T>): Promise<number> {
  const started = Date.now();
  await work;
  return Date.now() - started;
}

test('latency is added to every request until reset', async () => {
  endpoint.faults.setLatency(300);
  expect(await timed(execute(conn, 'SELECT 1'))).toBeGreaterThanOrEqual(300);
  endpoint.faults.reset();
  expect(await timed(execute(conn, 'SELECT 1'))).toBeLessThan(300);
});

test('a 503 on a query is retried by the driver with the same request id; the statement runs once', async () => {
  endpoint.faults.failNext(1, { kind: 'query' });
  await expect(execute(conn, 'SELECT 2 AS two')).resolves.toMatchObject({ rows: [{ TWO: 2 }] });
  const queries = endpoint.requests.filter((r) => r.kind === 'query');
  expect(queries.map((r) => [r.status, r.fault, r.retryCount])).toEqual([[503, 'status', undefined], [200, undefined, 1]]);
  expect(queries[1].requestId).toBe(queries[0].requestId);
  expect(queries[1].at - queries[0].at).toBeGreaterThanOrEqual(900);
  expect(endpoint.counters).toMatchObject({ faultsInjected: 1, queries: 1 });
});

test('a reset connection on a query is retried by the driver; the statement runs once', async () => {
  endpoint.faults.resetNext(1, { kind: 'query' });
  await expect(execute(conn, 'SELECT 3 AS three')).resolves.toMatchObject({ rows: [{ THREE: 3 }] });
  expect(endpoint.requests.filter((r) => r.kind === 'query').map((r) => [r.status, r.fault])).toEqual([[0, 'reset'], [200, undefined]]);
  expect(endpoint.counters).toMatchObject({ faultsInjected: 1, queries: 1 });
});

test('a fault on a login surfaces when login retries are off, and is retried otherwise', async () => {
  endpoint.faults.failNext(1, { kind: 'login' });
  await expect(connectError(newConnection({ sfRetryMaxLoginRetries: 0 }))).resolves
    .toMatchObject({ code: 401002, message: 'Request to Snowflake failed.' });
  endpoint.faults.resetNext(1, { kind: 'login' });
  await expect(connectError(newConnection({ sfRetryMaxLoginRetries: 0 }))).resolves
    .toMatchObject({ code: 401001, message: 'socket hang up' });

  endpoint.faults.failNext(1, { status: 502, kind: 'login' });
  const retried = await connect(newConnection());
  await destroy(retried);
  expect(endpoint.requests.filter((r) => r.kind === 'login').map((r) => r.status)).toEqual([503, 0, 502, 200]);
  expect(endpoint.counters).toMatchObject({ logins: 1, faultsInjected: 3 });
});

test('a failed heartbeat makes isValidAsync() false; a fault filtered by kind spares other requests', async () => {
  endpoint.faults.failNext(1, { status: 500, kind: 'heartbeat' });
  await expect(execute(conn, 'SELECT 1')).resolves.toBeDefined();
  await expect(conn.isValidAsync()).resolves.toBe(false);
  await expect(conn.isValidAsync()).resolves.toBe(true);
  expect(endpoint.requests.filter((r) => r.kind === 'heartbeat').map((r) => r.status)).toEqual([500, 200]);
});
