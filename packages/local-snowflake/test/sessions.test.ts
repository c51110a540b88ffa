/**
 * Sessions on the local Snowflake endpoint: session and master tokens, renewal, heartbeats
 * (isValidAsync), closing; through the real driver and, for what the driver hides, over HTTP.
 */
import '../src/driver-env';
import * as snowflake from 'snowflake-sdk';
import { driverOptionsFor, LocalSnowflake, startLocalSnowflake } from '../src';
import { connect, destroy, execute, executeError } from '../src/promisified';
import { newKeyPair, TestKeyPair } from '../src/test-keys';

snowflake.configure({ logLevel: 'OFF' });

let endpoint: LocalSnowflake;
let key: TestKeyPair;

beforeAll(async () => {
  endpoint = await startLocalSnowflake();
  key = newKeyPair();
  endpoint.addUser({ name: 'svc', publicKeys: [key.publicKeyPem] });
  endpoint.addUser({ name: 'pw', password: 'session-test-password', grantedRoles: ['"MixedRole"'] });
});

afterAll(async () => {
  await endpoint?.stop();
});

async function login(): Promise<snowflake.Connection> {
  return connect(snowflake.createConnection(driverOptionsFor(endpoint, { user: 'svc', privateKeyPem: key.privateKeyPem })));
}

describe('through the driver', () => {
  test('isValidAsync sends a heartbeat on a live connection', async () => {
    const conn = await login();
    endpoint.resetCounters();
    await expect(conn.isValidAsync()).resolves.toBe(true);
    expect(endpoint.counters.heartbeats).toBe(1);
    await destroy(conn);
  });

  test('an expired session token is renewed with the master token, and the query re-sent', async () => {
    const conn = await login();
    endpoint.resetCounters();
    endpoint.expireSessions();
    await expect(execute(conn, 'SELECT 1 AS one')).resolves.toMatchObject({ rows: [{ ONE: 1 }] });
    expect(endpoint.counters).toMatchObject({ logins: 0, tokenRenewals: 1, queries: 1, queryRequests: 2 });
    // (The driver's post-login telemetry may land at any time: leave it out.)
    expect(endpoint.requests.filter((r) => r.kind !== 'telemetry').map((r) => [r.kind, r.code])).toEqual([
      ['query', '390112'],
      ['renew', undefined],
      ['query', undefined],
    ]);
    // isValidAsync renews the same way when only the session token expired.
    endpoint.expireSessions();
    await expect(conn.isValidAsync()).resolves.toBe(true);
    expect(endpoint.counters.tokenRenewals).toBe(2);
    await destroy(conn);
  });

  test('with the master token expired too, renewal fails with 390114 and the connection is terminated', async () => {
    const conn = await login();
    endpoint.resetCounters();
    endpoint.expireSessions({ master: true });
    const err = await executeError(conn, 'SELECT 1');
    // The driver drops the connection on 390114 and fails the queued query with its own
    // "terminated connection" error (407002, SQLSTATE 08003), not with 390114 itself.
    expect(err).toMatchObject({ code: 407002, sqlState: '08003', message: 'Unable to perform operation using terminated connection.' });
    expect(endpoint.requests.filter((r) => r.kind !== 'telemetry').map((r) => [r.kind, r.code])).toEqual([['query', '390112'], ['renew', '390114']]);
    // isValidAsync sees the driver is disconnected and answers false without any request.
    expect(conn.isUp()).toBe(false);
    await expect(conn.isValidAsync()).resolves.toBe(false);
    expect(endpoint.counters).toMatchObject({ heartbeats: 0, tokenRenewals: 0 });
    // A new connection logs in again.
    const again = await login();
    await expect(execute(again, 'SELECT 1 AS one')).resolves.toMatchObject({ rows: [{ ONE: 1 }] });
    await destroy(again);
  });

  test('destroy closes the session on the endpoint', async () => {
    const conn = await login();
    endpoint.resetCounters();
    await destroy(conn);
    expect(endpoint.counters.sessionCloses).toBe(1);
    expect(endpoint.requests.filter((r) => r.kind !== 'telemetry').map((r) => [r.method, r.path, r.status])).toEqual([['POST', '/session', 200]]);
  });

  test('a connection holding unknown tokens gets HTTP 401 with 390104; the driver reports 401004', async () => {
    const far = Date.now() + 3_600_000;
    const conn = snowflake.deserializeConnection(
      driverOptionsFor(endpoint, { user: 'svc', privateKeyPem: key.privateKeyPem }),
      JSON.stringify({ services: { sf: { tokenInfo: { masterToken: 'x', sessionToken: 'y', masterTokenExpirationTime: far, sessionTokenExpirationTime: far } } } }),
    );
    endpoint.resetCounters();
    await expect(executeError(conn, 'SELECT 1')).resolves.toMatchObject({ code: 401004, message: 'Request to Snowflake failed.  Invalid token' });
    // When collecting rows, the driver re-sends a statement (same requestId) once if its error is
    // not a Snowflake error with a SQLSTATE: two requests here.
    const queries = endpoint.requests.filter((r) => r.kind === 'query');
    expect(queries.map((r) => [r.status, r.code])).toEqual([[401, '390104'], [401, '390104']]);
    expect(queries[1].requestId).toBe(queries[0].requestId);
  });

  test('the driver posts in-band telemetry after login; it is accepted and counted', async () => {
    endpoint.resetCounters();
    const conn = await login();
    await execute(conn, 'SELECT 1');
    await destroy(conn);
    expect(endpoint.counters.telemetry).toBeGreaterThanOrEqual(1);
    expect(endpoint.requests.filter((r) => r.kind === 'telemetry').every((r) => r.status === 200)).toBe(true);
  });
});

describe('over HTTP', () => {
  async function post(path: string, body: unknown, token?: string): Promise<{ status: number; json: any }> {
    const response = await fetch(`${endpoint.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Snowflake Token="${token}"` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, json: await response.json() };
  }

  async function passwordLogin(): Promise<{ token: string; masterToken: string }> {
    const { json } = await post('/session/v1/login-request?warehouse=wh&roleName=%22MixedRole%22', {
      data: { ACCOUNT_NAME: 'testorg-testaccount', LOGIN_NAME: 'pw', PASSWORD: 'session-test-password' },
    });
    expect(json).toMatchObject({ success: true, data: { sessionInfo: { warehouseName: 'WH', roleName: 'MixedRole' } } });
    return json.data;
  }

  test('requests without a session token get HTTP 401 and 390104', async () => {
    const { status, json } = await post('/queries/v1/query-request', { sqlText: 'SELECT 1' });
    expect(status).toBe(401);
    expect(json).toMatchObject({ success: false, code: '390104' });
  });

  test('a closed session answers 390111; its master token cannot renew it', async () => {
    const { token, masterToken } = await passwordLogin();
    await expect(post('/session/heartbeat', undefined, token)).resolves.toMatchObject({ status: 200, json: { success: true } });
    await expect(post('/session?delete=true', undefined, token)).resolves.toMatchObject({ json: { success: true } });
    await expect(post('/session/heartbeat', undefined, token)).resolves.toMatchObject({ json: { success: false, code: '390111' } });
    await expect(post('/session/token-request', { requestType: 'RENEW', oldSessionToken: token }, masterToken)).resolves
      .toMatchObject({ json: { success: false, code: '390111' } });
  });

  test('renewal issues a new session token and retires the old one', async () => {
    const { token, masterToken } = await passwordLogin();
    const renewed = await post('/session/token-request', { requestType: 'RENEW', oldSessionToken: token }, masterToken);
    expect(renewed.json).toMatchObject({ success: true, data: { validityInSecondsST: 3600, validityInSecondsMT: 14400 } });
    const fresh = renewed.json.data.sessionToken as string;
    expect(fresh).not.toBe(token);
    await expect(post('/session/heartbeat', undefined, fresh)).resolves.toMatchObject({ json: { success: true } });
    await expect(post('/session/heartbeat', undefined, token)).resolves.toMatchObject({ json: { success: false, code: '390112' } });
  });

  test('a query id from another user is not found; an unknown path is 404', async () => {
    const { token } = await passwordLogin();
    const conn = await login();
    const { statement } = await execute(conn, 'SELECT 1');
    await destroy(conn);
    const response = await fetch(`${endpoint.url}/monitoring/queries/${statement.getQueryId()}`, { headers: { authorization: `Snowflake Token="${token}"` } });
    await expect(response.json()).resolves.toMatchObject({ success: true, data: { queries: [] } });
    expect((await fetch(`${endpoint.url}/nowhere`)).status).toBe(404);
  });
});
