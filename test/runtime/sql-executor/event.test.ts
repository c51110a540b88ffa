import {
  ExecutorPolicy, InvalidEventError, MAX_STATEMENTS, parseSqlEvent, policyFromEnvironment, RUN_NOTHING, UndeclaredStatementError,
} from '../../../src/runtime/sql-executor/event';
import { serializeSqlExecutorConfig } from '../../../src/shared/sql-executor-config';

/** The policy the function reads, built from what the construct writes into its environment. */
function policy(config: Parameters<typeof serializeSqlExecutorConfig>[0]): ExecutorPolicy {
  return policyFromEnvironment({ SNOWFLAKE_SQL_EXECUTOR: serializeSqlExecutorConfig(config) });
}

const DECLARED = policy({
  statements: {
    mergeCustomer: { sql: 'MERGE INTO CUSTOMERS C USING (SELECT ? AS ID, ? AS NAME) S ON C.ID = S.ID', binds: ['NUMBER', 'TEXT?'] },
    insertEvent: { sql: 'INSERT INTO EVENTS VALUES (?, ?)', binds: ['NUMBER', 'TEXT'] },
    setActive: { sql: 'UPDATE T SET ACTIVE = ? WHERE ID = ?', binds: ['BOOLEAN', 'NUMBER'] },
    countEvents: { sql: 'SELECT COUNT(*) AS N FROM EVENTS' },
  },
});
const ANY_SQL = policy({ anySql: true });

function errorOf(run: () => unknown): Error & { code?: string } {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('no error was thrown');
}

describe('declared statements, by name, with typed binds', () => {
  test('one statement by run, binds checked and passed on; rows of binds; several in order', () => {
    expect(parseSqlEvent({ run: 'mergeCustomer', binds: [42, 'Ada'] }, DECLARED)).toEqual({
      statements: [{ name: 'mergeCustomer', sql: expect.stringMatching(/^MERGE INTO CUSTOMERS/), binds: [42, 'Ada'] }],
      fetch: { kind: 'all' },
    });
    expect(parseSqlEvent({ run: 'mergeCustomer', binds: [42, null], fetch: 'none' }, DECLARED).statements[0].binds).toEqual([42, null]);
    expect(parseSqlEvent({ run: 'setActive', binds: [true, 1] }, DECLARED).statements[0].binds).toEqual([true, 1]);
    expect(parseSqlEvent({
      statements: [{ run: 'insertEvent', binds: [[1, 'a'], [2, 'b']] }, { run: 'countEvents' }],
      fetch: { maxRows: 1 },
    }, DECLARED)).toEqual({
      statements: [
        { name: 'insertEvent', sql: 'INSERT INTO EVENTS VALUES (?, ?)', binds: [[1, 'a'], [2, 'b']] },
        { name: 'countEvents', sql: 'SELECT COUNT(*) AS N FROM EVENTS' },
      ],
      fetch: { kind: 'max', maxRows: 1 },
    });
  });

  test.each([
    ['an undeclared name', { run: 'dropEverything' }, /^Event field run: the string "dropEverything" is not a declared statement\. .*\(countEvents, insertEvent, mergeCustomer, setActive\)/],
    ['an undeclared name in statements', { statements: [{ run: 'countEvents' }, { run: 'grantAll' }] }, /^Event field statements\[1\]\.run: the string "grantAll" is not a declared/],
    ['SQL text', { statements: [{ sql: 'ALTER USER SVC ADD PROGRAMMATIC ACCESS TOKEN T' }] }, /^Event field statements\[0\]\.sql: SQL text is refused\. This function runs only the statements declared/],
    ['SQL text beside declared ones', { statements: [{ run: 'countEvents' }, { sql: 'USE ROLE ACCOUNTADMIN' }] }, /^Event field statements\[1\]\.sql: SQL text is refused/],
    ['a name from Object.prototype', { run: 'constructor' }, /the string "constructor" is not a declared statement/],
  ])('(failing case) %s is refused with an UndeclaredStatementError', (_what, event, message) => {
    const error = errorOf(() => parseSqlEvent(event, DECLARED));
    expect(error).toBeInstanceOf(UndeclaredStatementError);
    expect(error.code).toBe('STATEMENT_NOT_DECLARED');
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(/no SQL was run \(STATEMENT_NOT_DECLARED\)$/);
  });

  test('(failing case) a function that declared nothing runs nothing: without the variable, every event is refused', () => {
    expect(policyFromEnvironment({})).toEqual(RUN_NOTHING);
    expect(errorOf(() => parseSqlEvent({ statements: [{ sql: 'SELECT 1' }] }, RUN_NOTHING)).message).toMatch(/SQL text is refused.*\(none are declared\)/);
    expect(errorOf(() => parseSqlEvent({ run: 'countEvents' }, RUN_NOTHING))).toBeInstanceOf(UndeclaredStatementError);
  });

  test.each([
    ['a wrong type', { run: 'mergeCustomer', binds: ['42', 'Ada'] }, /^Event field binds\[0\]: statement mergeCustomer bind 0 expects NUMBER, given TEXT/],
    ['null where not nullable', { run: 'insertEvent', binds: [1, null] }, /^Event field binds\[1\]: statement insertEvent bind 1 expects TEXT, given null/],
    ['a wrong type in a nullable bind', { run: 'mergeCustomer', binds: [1, 2] }, /binds\[1\]: statement mergeCustomer bind 1 expects TEXT or null, given NUMBER/],
    ['a number for a boolean', { run: 'setActive', binds: [1, 1] }, /binds\[0\]: statement setActive bind 0 expects BOOLEAN, given NUMBER/],
    ['an object', { run: 'insertEvent', binds: [1, { a: 1 }] }, /binds\[1\]: statement insertEvent bind 1 expects TEXT, given an object/],
    ['too few binds', { run: 'mergeCustomer', binds: [1] }, /^Event field binds: statement mergeCustomer takes 2 bind\(s\) \(NUMBER, TEXT or null\), and the event gives 1/],
    ['too many binds', { run: 'mergeCustomer', binds: [1, 'a', 'b'] }, /statement mergeCustomer takes 2 bind\(s\).*gives 3/],
    ['no binds', { run: 'mergeCustomer' }, /^Event field binds: statement mergeCustomer takes 2 bind\(s\) \(NUMBER, TEXT or null\), and the event gives none/],
    ['binds to a statement that takes none', { run: 'countEvents', binds: [1] }, /^Event field binds: statement countEvents takes no binds, and the event gives 1/],
    ['a wrong type in a row', { statements: [{ run: 'insertEvent', binds: [[1, 'a'], ['2', 'b']] }] }, /^Event field statements\[0\]\.binds\[1\]\[0\]: statement insertEvent bind 0 expects NUMBER, given TEXT/],
    ['a short row', { statements: [{ run: 'insertEvent', binds: [[1, 'a'], [2]] }] }, /statements\[0\]\.binds\[1\]: statement insertEvent takes 2 bind\(s\).*gives 1/],
    ['run and sql together', { statements: [{ run: 'countEvents', sql: 'SELECT 1' }] }, /statements\[0\]: has both run and sql/],
    ['run not a string', { run: 3 }, /^Event field run: must be the name of a declared statement, not a number/],
    ['a statement with neither', { statements: [{ binds: [1] }] }, /statements\[0\]\.run: must be the name of a declared statement, not missing/],
    ['an unknown field beside run', { run: 'countEvents', sql: 'SELECT 1' }, /^Event field sql: is not a known field \(run, binds, fetch\)/],
  ])('(failing case) %s is refused, naming the statement, the bind and both types', (_what, event, message) => {
    const error = errorOf(() => parseSqlEvent(event, DECLARED));
    expect(error).toBeInstanceOf(InvalidEventError);
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(/no SQL was run \(INVALID_EVENT\)$/);
  });
});

describe('EventBridge detail is read only when the function says so', () => {
  const event = { 'version': '0', 'detail-type': 'LoadFinished', 'source': 'etl', 'detail': { run: 'countEvents', fetch: 'none' } };

  test('with eventBridgeDetail, the request is the detail', () => {
    const reading = policy({ statements: { countEvents: { sql: 'SELECT COUNT(*) AS N FROM EVENTS' } }, eventBridgeDetail: true });
    expect(parseSqlEvent(event, reading)).toEqual({ statements: [{ name: 'countEvents', sql: 'SELECT COUNT(*) AS N FROM EVENTS' }], fetch: { kind: 'none' } });
    // Still only what is declared.
    expect(errorOf(() => parseSqlEvent({ ...event, detail: { statements: [{ sql: 'SELECT 1' }] } }, reading))).toBeInstanceOf(UndeclaredStatementError);
  });

  test('(failing case) without it, an EventBridge event is refused, saying how to opt in', () => {
    const error = errorOf(() => parseSqlEvent(event, DECLARED));
    expect(error).toBeInstanceOf(InvalidEventError);
    expect(error.message).toMatch(/^Event field detail: the event is an EventBridge event \(detail-type the string "LoadFinished"\), and this function does not read the request from detail\. .*eventBridgeDetail: true/);
  });
});

describe('SQL text, with allowAnySql', () => {
  test('statements with binds, rows of binds, and the fetch modes', () => {
    expect(parseSqlEvent({ statements: [{ sql: 'SELECT 1' }] }, ANY_SQL)).toEqual({ statements: [{ sql: 'SELECT 1' }], fetch: { kind: 'all' } });
    expect(parseSqlEvent({
      statements: [{ sql: 'INSERT INTO T VALUES (?, ?)', binds: [[1, 'a'], [2, null]] }, { sql: 'SELECT * FROM T WHERE ID = ?', binds: [1] }],
      fetch: { maxRows: 10 },
    }, ANY_SQL)).toEqual({
      statements: [{ sql: 'INSERT INTO T VALUES (?, ?)', binds: [[1, 'a'], [2, null]] }, { sql: 'SELECT * FROM T WHERE ID = ?', binds: [1] }],
      fetch: { kind: 'max', maxRows: 10 },
    });
    expect(parseSqlEvent({ statements: [{ sql: 'ALTER WAREHOUSE W RESUME' }], fetch: 'none' }, ANY_SQL).fetch).toEqual({ kind: 'none' });
    expect(parseSqlEvent({ statements: [{ sql: 'SELECT 1' }], fetch: 'all' }, ANY_SQL).fetch).toEqual({ kind: 'all' });
  });

  test.each([
    ['not an object', 'SELECT 1', /Event field \(the event\): must be a JSON object, not the string "SELECT 1"/],
    ['an array', [{ sql: 'SELECT 1' }], /\(the event\): must be a JSON object, not an array/],
    ['no statements', {}, /Event field statements: must be a non-empty array of \{ run, binds\? \}, not missing/],
    ['empty statements', { statements: [] }, /statements: must be a non-empty array/],
    ['statements not an array', { statements: 'SELECT 1' }, /statements: must be a non-empty array .*not the string/],
    ['too many statements', { statements: Array.from({ length: MAX_STATEMENTS + 1 }, () => ({ sql: 'SELECT 1' })) }, /has 101 entries; at most 100/],
    ['a statement not an object', { statements: ['SELECT 1'] }, /statements\[0\]: must be an object/],
    ['blank sql', { statements: [{ sql: '  ' }] }, /statements\[0\]\.sql: must be a non-empty string/],
    ['an unknown field', { statements: [{ sql: 'SELECT 1', bind: [1] }] }, /statements\[0\]\.bind: is not a known field \(run, binds, sql\)/],
    ['binds not an array', { statements: [{ sql: 'SELECT ?', binds: 1 }] }, /statements\[0\]\.binds: must be an array/],
    ['a bind that is an object', { statements: [{ sql: 'SELECT ?', binds: [{ a: 1 }] }] }, /statements\[0\]\.binds\[0\]: must be a string, number, boolean or null/],
    ['ragged rows', { statements: [{ sql: 'INSERT INTO T VALUES (?, ?)', binds: [[1, 'a'], [2]] }] }, /statements\[0\]\.binds\[1\]: has 1 values and binds\[0\] has 2/],
    ['an object in a row', { statements: [{ sql: 'INSERT INTO T VALUES (?)', binds: [[1], [{}]] }] }, /statements\[0\]\.binds\[1\]\[0\]: must be a string/],
    ['an unknown fetch mode', { statements: [{ sql: 'SELECT 1' }], fetch: 'some' }, /fetch: must be "all", "none" or \{ "maxRows": n \}, not the string "some"/],
    ['maxRows 0', { statements: [{ sql: 'SELECT 1' }], fetch: { maxRows: 0 } }, /fetch\.maxRows: must be a positive integer, not a number/],
  ])('(failing case) %s is rejected, naming the field, and no SQL runs', (_what, event, message) => {
    const error = errorOf(() => parseSqlEvent(event, ANY_SQL));
    expect(error).toBeInstanceOf(InvalidEventError);
    expect(error.code).toBe('INVALID_EVENT');
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(/no SQL was run \(INVALID_EVENT\)$/);
  });
});

describe('the declaration in the environment', () => {
  test('is read as the construct writes it', () => {
    const read = policy({ statements: { b: { sql: 'SELECT ?', binds: ['TEXT?'] }, a: { sql: 'SELECT 1' } }, anySql: true, eventBridgeDetail: true });
    expect([...read.statements.entries()]).toEqual([['a', { sql: 'SELECT 1', binds: [] }], ['b', { sql: 'SELECT ?', binds: ['TEXT?'] }]]);
    expect(read).toMatchObject({ anySql: true, eventBridgeDetail: true });
  });

  test.each([
    ['not JSON', '{statements'],
    ['an array', '[]'],
    ['a statement without SQL', '{"statements":{"a":{"binds":[]}}}'],
    ['an unknown bind type', '{"statements":{"a":{"sql":"SELECT ?","binds":["DATE"]}}}'],
    ['a bad name', '{"statements":{"1a":{"sql":"SELECT 1"}}}'],
  ])('(failing case) %s is a ConfigurationError, never "anything goes"', (_what, value) => {
    const error = errorOf(() => policyFromEnvironment({ SNOWFLAKE_SQL_EXECUTOR: value }));
    expect(error).toMatchObject({ name: 'ConfigurationError', code: 'CONFIG_INVALID' });
    expect(error.message).toMatch(/^SNOWFLAKE_SQL_EXECUTOR is not valid: /);
  });
});
