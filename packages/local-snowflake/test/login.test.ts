/**
 * The local Snowflake endpoint's login, through the real snowflake-sdk driver and by posting
 * tokens directly: every check has a case that passes and a case that fails.
 */
import '../src/driver-env';
import { gzipSync } from 'node:zlib';
import * as snowflake from 'snowflake-sdk';
import { driverOptionsFor, DriverLogin, LocalSnowflake, signJwt, startLocalSnowflake } from '../src';
import { connect, connectError, destroy, execute } from '../src/promisified';
import { newKeyPair, TestKeyPair } from '../src/test-keys';

snowflake.configure({ logLevel: 'OFF' });

const JWT_INVALID = /^JWT token is invalid\. \[([0-9a-f-]{36})\]$/;

let endpoint: LocalSnowflake;
let slot1: TestKeyPair;
let slot2: TestKeyPair;
let stranger: TestKeyPair;

beforeAll(async () => {
  endpoint = await startLocalSnowflake();
  [slot1, slot2, stranger] = [newKeyPair(), newKeyPair(), newKeyPair()];
  // Slot 1 as PEM, slot 2 as the bare base64 body ALTER USER … SET RSA_PUBLIC_KEY_2 takes.
  endpoint.addUser({ name: 'app_user', publicKeys: [slot1.publicKeyPem, slot2.publicKeyBase64], defaultRole: 'LOADER', defaultWarehouse: 'LOAD_WH' });
  endpoint.addUser({ name: 'other_user', publicKeys: [stranger.publicKeyPem] });
  endpoint.addUser({ name: 'legacy', password: 'correct horse battery' });
});

afterAll(async () => {
  await endpoint?.stop();
});

beforeEach(() => {
  endpoint.faults.reset();
});

function connection(login: DriverLogin): snowflake.Connection {
  return snowflake.createConnection(driverOptionsFor(endpoint, login));
}

/** Logs in, runs one query, logs out: the session's user, role, account and warehouse. */
async function whoAmI(login: DriverLogin): Promise<unknown[]> {
  const conn = await connect(connection(login));
  try {
    const { rows } = await execute(conn, 'SELECT CURRENT_USER(), CURRENT_ROLE(), CURRENT_ACCOUNT(), CURRENT_WAREHOUSE()', { rowMode: 'array' });
    return rows[0] as unknown[];
  } finally {
    await destroy(conn);
  }
}

/** Fails the login and returns the detailed reason behind "JWT token is invalid. [uuid]". */
async function jwtFailure(login: DriverLogin): Promise<string | undefined> {
  const err = await connectError(connection(login));
  expect(err.code).toBe('390144');
  const id = JWT_INVALID.exec(err.message)?.[1];
  expect(id).toBeDefined();
  return endpoint.loginFailureDetails(id ?? '')?.errorCode;
}

describe('key-pair login through the driver', () => {
  test('accepts the key registered in RSA_PUBLIC_KEY', async () => {
    await expect(whoAmI({ user: 'app_user', privateKeyPem: slot1.privateKeyPem })).resolves
      .toEqual(['APP_USER', 'LOADER', 'TESTORG-TESTACCOUNT', 'LOAD_WH']);
  });

  test('accepts the key registered in RSA_PUBLIC_KEY_2', async () => {
    await expect(whoAmI({ user: 'app_user', privateKeyPem: slot2.privateKeyPem })).resolves.toContain('APP_USER');
  });

  test('rejects a key registered for no slot of the user with 390144', async () => {
    const err = await connectError(connection({ user: 'app_user', privateKeyPem: stranger.privateKeyPem }));
    // The driver surfaces Global Services' code and message; a login error carries no SQLSTATE.
    expect(err.code).toBe('390144');
    expect(err.message).toMatch(JWT_INVALID);
    expect(err.sqlState).toBeUndefined();
    expect(endpoint.loginFailureDetails(JWT_INVALID.exec(err.message)?.[1] ?? '')).toMatchObject({
      errorCode: 'JWT_TOKEN_INVALID_PUBLIC_KEY_FINGERPRINT_MISMATCH',
      code: '394304',
      username: 'APP_USER',
    });
  });

  test('rejects a revoked key, and accepts it once registered again', async () => {
    endpoint.setPublicKey('app_user', 1, undefined);
    try {
      expect(endpoint.describeUser('app_user')?.rsaPublicKeyFp).toBeUndefined();
      await expect(jwtFailure({ user: 'app_user', privateKeyPem: slot1.privateKeyPem })).resolves
        .toBe('JWT_TOKEN_INVALID_PUBLIC_KEY_FINGERPRINT_MISMATCH');
    } finally {
      endpoint.setPublicKey('app_user', 1, slot1.publicKeyPem);
    }
    expect(endpoint.describeUser('app_user')?.rsaPublicKeyFp).toBe(slot1.fingerprint);
    await expect(whoAmI({ user: 'app_user', privateKeyPem: slot1.privateKeyPem })).resolves.toContain('APP_USER');
  });

  test('rejectKey refuses a registered key until allowKey', async () => {
    endpoint.faults.rejectKey(slot1.fingerprint);
    await expect(jwtFailure({ user: 'app_user', privateKeyPem: slot1.privateKeyPem })).resolves
      .toBe('JWT_TOKEN_INVALID_PUBLIC_KEY_FINGERPRINT_MISMATCH');
    // The other slot still works while slot 1's key is refused.
    await expect(whoAmI({ user: 'app_user', privateKeyPem: slot2.privateKeyPem })).resolves.toContain('APP_USER');
    endpoint.faults.allowKey(slot1.publicKeyPem);
    await expect(whoAmI({ user: 'app_user', privateKeyPem: slot1.privateKeyPem })).resolves.toContain('APP_USER');
  });

  test('rejects a login naming another account, accepts its own in any case and with a region', async () => {
    await expect(jwtFailure({ user: 'app_user', privateKeyPem: slot1.privateKeyPem, account: 'OTHERORG-OTHERACCOUNT' })).resolves
      .toBe('JWT_TOKEN_ACCOUNT_MISMATCH');
    // The driver drops ".<region>" and upper-cases the account for the JWT: this is the same account.
    await expect(whoAmI({ user: 'app_user', privateKeyPem: slot1.privateKeyPem, account: 'testorg-testaccount.us-east-1' })).resolves
      .toContain('TESTORG-TESTACCOUNT');
  });

  test('rejects a key that belongs to another user', async () => {
    await expect(jwtFailure({ user: 'other_user', privateKeyPem: slot1.privateKeyPem })).resolves
      .toBe('JWT_TOKEN_INVALID_PUBLIC_KEY_FINGERPRINT_MISMATCH');
    await expect(whoAmI({ user: 'other_user', privateKeyPem: stranger.privateKeyPem })).resolves.toContain('OTHER_USER');
  });

  test('rejects an unknown user', async () => {
    await expect(jwtFailure({ user: 'nobody', privateKeyPem: slot1.privateKeyPem })).resolves.toBe('JWT_TOKEN_INVALID_USER_IN_ISSUER');
  });

  test('counts failed and successful logins, and logs the reason without the token', async () => {
    endpoint.resetCounters();
    await connectError(connection({ user: 'app_user', privateKeyPem: stranger.privateKeyPem }));
    await whoAmI({ user: 'app_user', privateKeyPem: slot1.privateKeyPem });
    expect(endpoint.counters).toMatchObject({ logins: 1, failedLogins: 1 });
    const logins = endpoint.requests.filter((r) => r.kind === 'login');
    expect(logins.map((r) => [r.user, r.status, r.code, r.loginFailure?.error])).toEqual([
      ['APP_USER', 200, '390144', 'JWT_TOKEN_INVALID_PUBLIC_KEY_FINGERPRINT_MISMATCH'],
      ['APP_USER', 200, undefined, undefined],
    ]);
    expect(JSON.stringify(endpoint.requests)).not.toMatch(/eyJ/);
  });
});

describe('tokens posted without the driver', () => {
  const now = (): number => Math.floor(Date.now() / 1000);

  function claims(key: TestKeyPair, patch: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      iss: `TESTORG-TESTACCOUNT.APP_USER.${key.fingerprint}`,
      sub: 'TESTORG-TESTACCOUNT.APP_USER',
      iat: now(),
      exp: now() + 60,
      ...patch,
    };
  }

  interface LoginAnswer {
    readonly success: boolean;
    readonly code: string | null;
    readonly message: string | null;
    readonly data: any;
  }

  async function postLogin(token: string, options: { gzip?: boolean } = {}): Promise<LoginAnswer> {
    const body = JSON.stringify({
      data: { ACCOUNT_NAME: 'TESTORG-TESTACCOUNT', LOGIN_NAME: 'app_user', AUTHENTICATOR: 'SNOWFLAKE_JWT', TOKEN: token, CLIENT_APP_ID: 'test' },
    });
    const response = await fetch(`${endpoint.url}/session/v1/login-request?requestId=${crypto.randomUUID()}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(options.gzip ? { 'content-encoding': 'gzip' } : {}) },
      body: options.gzip ? gzipSync(body) : body,
    });
    expect(response.status).toBe(200);
    return response.json() as Promise<any>;
  }

  async function reason(token: string): Promise<string | undefined> {
    const answer = await postLogin(token);
    expect(answer).toMatchObject({ success: false, code: '390144' });
    return endpoint.loginFailureDetails(JWT_INVALID.exec(answer.message ?? '')?.[1] ?? '')?.errorCode;
  }

  test('accepts a well-formed token, with times in seconds or (as snowflake-sdk sends them) milliseconds', async () => {
    await expect(postLogin(signJwt(slot1.privateKey, claims(slot1)))).resolves.toMatchObject({ success: true, code: null });
    const ms = Date.now();
    await expect(postLogin(signJwt(slot1.privateKey, claims(slot1, { iat: ms, exp: ms + 120_000 })))).resolves.toMatchObject({ success: true });
  });

  test('accepts a gzip-compressed login body', async () => {
    const answer = await postLogin(signJwt(slot1.privateKey, claims(slot1)), { gzip: true });
    expect(answer.success).toBe(true);
    expect(typeof answer.data.token).toBe('string');
    expect(typeof answer.data.masterToken).toBe('string');
  });

  test('rejects a token whose signature was tampered with', async () => {
    const [head, body, signature] = signJwt(slot1.privateKey, claims(slot1)).split('.');
    const flipped = (signature[10] === 'A' ? 'B' : 'A');
    await expect(reason(`${head}.${body}.${signature.slice(0, 10)}${flipped}${signature.slice(11)}`)).resolves.toBe('JWT_TOKEN_INVALID_SIGNATURE');
  });

  test('rejects a token whose claims were changed after signing', async () => {
    const [head, , signature] = signJwt(slot1.privateKey, claims(slot1)).split('.');
    const forged = Buffer.from(JSON.stringify(claims(slot1, { exp: now() + 86400 }))).toString('base64url');
    await expect(reason(`${head}.${forged}.${signature}`)).resolves.toBe('JWT_TOKEN_INVALID_SIGNATURE');
  });

  test('rejects a token whose iss names the other slot\'s fingerprint', async () => {
    await expect(reason(signJwt(slot1.privateKey, claims(slot2)))).resolves.toBe('JWT_TOKEN_INVALID_PUBLIC_KEY_FINGERPRINT_MISMATCH');
  });

  test('rejects an expired token and one issued too long ago', async () => {
    await expect(reason(signJwt(slot1.privateKey, claims(slot1, { iat: now() - 600, exp: now() - 300 })))).resolves.toBe('JWT_TOKEN_INVALID_EXPIRATION_TIME');
    await expect(reason(signJwt(slot1.privateKey, claims(slot1, { iat: now() - 120, exp: now() + 3000 })))).resolves.toBe('JWT_TOKEN_INVALID_ISSUE_TIME');
    await expect(reason(signJwt(slot1.privateKey, claims(slot1, { iat: now() + 600, exp: now() + 900 })))).resolves.toBe('JWT_TOKEN_INVALID_ISSUE_TIME');
    await expect(reason(signJwt(slot1.privateKey, claims(slot1, { exp: undefined })))).resolves.toBe('JWT_TOKEN_MISSING_ISSUE_OR_EXPIRATION_TIME');
  });

  test('rejects a token not signed with RS256, and one that is not a JWT', async () => {
    await expect(reason(signJwt(slot1.privateKey, claims(slot1), { alg: 'none', typ: 'JWT' }))).resolves.toBe('JWT_TOKEN_INVALID_ALGORITHM');
    await expect(reason('not-a-jwt')).resolves.toBe('JWT_TOKEN_INVALID');
  });

  test('rejects a token for another account or user', async () => {
    await expect(reason(signJwt(slot1.privateKey, claims(slot1, {
      iss: `OTHERORG-OTHERACCOUNT.APP_USER.${slot1.fingerprint}`, sub: 'OTHERORG-OTHERACCOUNT.APP_USER',
    })))).resolves.toBe('JWT_TOKEN_ACCOUNT_MISMATCH');
    await expect(reason(signJwt(slot1.privateKey, claims(slot1, {
      iss: `TESTORG-TESTACCOUNT.OTHER_USER.${slot1.fingerprint}`, sub: 'TESTORG-TESTACCOUNT.OTHER_USER',
    })))).resolves.toBe('JWT_TOKEN_INVALID_USER_IN_ISSUER');
  });
});

describe('password login', () => {
  test('accepts the right password', async () => {
    await expect(whoAmI({ user: 'legacy', password: 'correct horse battery' })).resolves.toEqual(['LEGACY', 'PUBLIC', 'TESTORG-TESTACCOUNT', null]);
  });

  test('rejects a wrong password, a user without one, and another account with 390100', async () => {
    const expected = { code: '390100', message: 'Incorrect username or password was specified.' };
    await expect(connectError(connection({ user: 'legacy', password: 'wrong' }))).resolves.toMatchObject(expected);
    await expect(connectError(connection({ user: 'app_user', password: 'anything' }))).resolves.toMatchObject(expected);
    await expect(connectError(connection({ user: 'legacy', password: 'correct horse battery', account: 'OTHERORG-OTHERACCOUNT' }))).resolves
      .toMatchObject(expected);
  });
});

describe('counters', () => {
  test('one connect is exactly one login, N executes are N queries, destroy closes the session', async () => {
    endpoint.resetCounters();
    const conn = await connect(connection({ user: 'app_user', privateKeyPem: slot1.privateKeyPem }));
    for (let i = 0; i < 3; i++) await execute(conn, 'SELECT ?', { binds: [i] });
    await destroy(conn);
    expect(endpoint.counters).toMatchObject({ logins: 1, failedLogins: 0, queries: 3, queryRequests: 3, sessionCloses: 1 });
    expect(endpoint.counters.byPath['/queries/v1/query-request']).toBe(3);
  });
});
