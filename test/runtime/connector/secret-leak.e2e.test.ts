/**
 * Nothing of a key in any message (issue 14): a key pasted into any field of a secret, in any form
 * an administrator may hold it, leaves no fragment of itself in anything the bundled connector
 * writes (stdout, stderr, the driver's log) or returns (results and errors).
 *
 * The scan is by fragment: every 12-character window of the key's base64, in every form, minus
 * those its public half shares. Failing controls show that the scan finds one fragment when one
 * is there.
 */
import { LocalSnowflake, startLocalSnowflake } from '@cdk-snowflake-keypair/local-snowflake';
import { base64Of, KeyForm, keyForms, windows } from '../../fixtures/key-forms';
import { AwsSide, FAST_RETRIES, leaks, startConnectorInstance } from '../../support/connector-fixture';
import { rsaKey, TestKey } from '../../support/keys';
import { Invocation, LambdaInstance } from '../../support/lambda-runtime';

const ACCOUNT = 'TESTORG-TESTACCOUNT';
const USER = 'SVC_LOADER';
const PASSPHRASE = 'pasted-passphrase-4711';
/** The fields a key may be pasted into by mistake, and the key's own two. */
const FIELDS = ['account', 'user', 'host', 'role', 'warehouse', 'database', 'schema', 'passphrase', 'privateKey'];
/** The window of the scan. Redaction removes any base64 run sharing 12 characters with a registered key. */
const WINDOW = 12;

let aws: AwsSide;
let snowflake: LocalSnowflake;
let instance: LambdaInstance;
/** The secret's own key, registered in Snowflake. */
let own: TestKey;
/** Another key, pasted by mistake: the connector knows nothing of it but what it reads. */
let stranger: TestKey;
/** Secret fragments of both keys, in every form. */
let fragments: Set<string>;
/** Each key's forms, made once: an encrypted PEM differs at each export (its salt and IV are random). */
const formsOf = new Map<TestKey, KeyForm[]>();
function forms(key: TestKey): KeyForm[] {
  if (!formsOf.has(key)) formsOf.set(key, keyForms(key, PASSPHRASE));
  return formsOf.get(key)!;
}
/** Everything every invocation returned. */
const returned: string[] = [];

/** The windows of `key`, in every form, that are secret: all but those its public half shares (modulus, OIDs). */
function secretWindows(key: TestKey): Set<string> {
  const published = windows(base64Of(key.publicPem), WINDOW);
  const out = new Set<string>();
  for (const form of forms(key)) {
    for (const w of windows(base64Of(form.value), WINDOW)) if (!published.has(w)) out.add(w);
  }
  return out;
}

/** The key fragments found in `text`: every base64 run is checked window by window. */
function fragmentsIn(text: string): string[] {
  const found = new Set<string>();
  for (const run of text.match(/[A-Za-z0-9+/=]{12,}/g) ?? []) {
    for (const w of windows(run, WINDOW)) if (fragments.has(w)) found.add(w);
  }
  if (text.includes(PASSPHRASE)) found.add('the passphrase');
  return [...found];
}

beforeAll(async () => {
  [aws, snowflake] = await Promise.all([AwsSide.start(), startLocalSnowflake({ account: ACCOUNT })]);
  own = rsaKey();
  stranger = rsaKey();
  fragments = new Set([...secretWindows(own), ...secretWindows(stranger)]);
  for (const key of [own, stranger]) for (const form of forms(key)) aws.remember(form.value);
  aws.remember(PASSPHRASE);
  snowflake.addUser({ name: USER, publicKeys: [own.publicPem], defaultRole: 'LOADER', defaultWarehouse: 'LOAD_WH' });
  instance = await startConnectorInstance({ ...aws.env(), SNOWFLAKE_ENDPOINT_URL: snowflake.url });
});

afterAll(async () => {
  await instance?.stop();
  await Promise.all([aws?.stop(), snowflake?.stop()]);
});

async function invoke(secret: Record<string, unknown>): Promise<Invocation> {
  const id = await aws.createSecret(secret);
  const invocation = await instance.invoke({ secretId: id, options: { retryPolicy: FAST_RETRIES }, op: 'fetchAll', sql: 'SELECT 1 AS ONE' });
  returned.push(JSON.stringify(invocation));
  return invocation;
}

test('the fragment scan finds a fragment when one is there (control)', () => {
  const body = base64Of(own.pkcs8Pem);
  // 12 characters from the middle of the key, quoted as an old message would have quoted them.
  expect(fragmentsIn(`field "user": "${body.slice(600, 612)}" is not valid`)).not.toEqual([]);
  // The start of one line of the PEM, JSON-escaped, as a log line would carry it.
  const lines = own.pkcs8Pem.split('\n');
  expect(fragmentsIn(JSON.stringify(`\n${lines[4].slice(0, 14)}`))).not.toEqual([]);
  // Each form of the stranger's key, as the connector could have echoed it.
  for (const form of forms(stranger)) expect(fragmentsIn(form.value)).not.toEqual([]);
  expect(fragmentsIn(`passphrase ${PASSPHRASE}`)).toEqual(['the passphrase']);
  // And not on the connector's own words, nor on a fingerprint.
  expect(fragmentsIn('SnowflakeConnectorError SECRET_FIELD_INVALID SHA256:TNBwaa7Fuf27tHKXE/q9nkA65KngYc3fIzBb3YrGqoU=')).toEqual([]);
});

describe.each([
  ['the secret\'s own key', () => own],
  ['another key', () => stranger],
])('%s, pasted', (_which, keyOf) => {
  test.each(keyForms(rsaKey(), PASSPHRASE).map((form) => form.name))('as %s, into every field', async (formName) => {
    const form = forms(keyOf()).find((f) => f.name === formName)!;
    // Every field is tried, and every failure reported at once.
    const failures: unknown[] = [];
    for (const field of FIELDS) {
      const secret: Record<string, unknown> = { account: ACCOUNT, user: USER, privateKey: own.pkcs8Pem, warehouse: 'LOAD_WH' };
      if (form.passphrase && field !== 'passphrase') secret.passphrase = form.passphrase;
      secret[field] = form.value;
      const invocation = await invoke(secret);
      const found = fragmentsIn(JSON.stringify(invocation));
      if (found.length > 0) failures.push({ field, found: found.slice(0, 3) });
      // A setting holding a key is refused, by name, without a quote.
      if (!['passphrase', 'privateKey'].includes(field)
        && !(invocation.error?.code === 'SECRET_FIELD_INVALID' && invocation.error.errorMessage.includes(`field "${field}": holds key material`))) {
        failures.push({ field, refused: invocation.error ?? 'no error' });
      }
    }
    expect(failures).toEqual([]);
  });
});

test('nothing the process wrote or returned holds a fragment of either key', () => {
  const output = instance.output();
  // 2 keys x 6 forms x 9 fields.
  expect(returned).toHaveLength(2 * 6 * FIELDS.length);
  // The capture holds the connector's logs, the driver's included.
  expect(output).toContain('"message":"Read the Snowflake secret"');
  expect(output).toContain('"message":"snowflake-sdk"');
  const everything = `${output}\n${returned.join('\n')}`;
  expect(fragmentsIn(everything)).toEqual([]);
  expect(leaks(everything, aws.secrets)).toEqual([]);
  // The same scan fails when one fragment of the key is added (control).
  expect(fragmentsIn(`${everything}\n${base64Of(stranger.pkcs8Pem).slice(900, 912)}`)).not.toEqual([]);
});
