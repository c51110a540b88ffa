import { InvalidEventError, MAX_STATEMENTS, parseSqlEvent } from '../../../src/runtime/sql-executor/event';

test('a direct or Step Functions event: statements with binds, rows of binds, and the fetch modes', () => {
  expect(parseSqlEvent({ statements: [{ sql: 'SELECT 1' }] })).toEqual({ statements: [{ sql: 'SELECT 1' }], fetch: { kind: 'all' } });
  expect(parseSqlEvent({
    statements: [{ sql: 'INSERT INTO T VALUES (?, ?)', binds: [[1, 'a'], [2, null]] }, { sql: 'SELECT * FROM T WHERE ID = ?', binds: [1] }],
    fetch: { maxRows: 10 },
  })).toEqual({
    statements: [{ sql: 'INSERT INTO T VALUES (?, ?)', binds: [[1, 'a'], [2, null]] }, { sql: 'SELECT * FROM T WHERE ID = ?', binds: [1] }],
    fetch: { kind: 'max', maxRows: 10 },
  });
  expect(parseSqlEvent({ statements: [{ sql: 'ALTER WAREHOUSE W RESUME' }], fetch: 'none' }).fetch).toEqual({ kind: 'none' });
  expect(parseSqlEvent({ statements: [{ sql: 'SELECT 1' }], fetch: 'all' }).fetch).toEqual({ kind: 'all' });
});

test('an EventBridge event carries the statements in detail', () => {
  const event = { 'version': '0', 'detail-type': 'LoadFinished', 'source': 'etl', 'detail': { statements: [{ sql: 'CALL REFRESH()' }], fetch: 'none' } };
  expect(parseSqlEvent(event)).toEqual({ statements: [{ sql: 'CALL REFRESH()' }], fetch: { kind: 'none' } });
});

test.each([
  ['not an object', 'SELECT 1', /Event field \(the event\): must be a JSON object, not the string "SELECT 1"/],
  ['an array', [{ sql: 'SELECT 1' }], /\(the event\): must be a JSON object, not an array/],
  ['no statements', {}, /Event field statements: must be a non-empty array of \{ sql, binds\? \}, not missing/],
  ['empty statements', { statements: [] }, /statements: must be a non-empty array/],
  ['statements not an array', { statements: 'SELECT 1' }, /statements: must be a non-empty array .*not the string/],
  ['too many statements', { statements: Array.from({ length: MAX_STATEMENTS + 1 }, () => ({ sql: 'SELECT 1' })) }, /has 101 entries; at most 100/],
  ['a statement not an object', { statements: ['SELECT 1'] }, /statements\[0\]: must be an object/],
  ['a statement without sql', { statements: [{ binds: [1] }] }, /statements\[0\]\.sql: must be a non-empty string, not missing/],
  ['blank sql', { statements: [{ sql: '  ' }] }, /statements\[0\]\.sql: must be a non-empty string/],
  ['an unknown field', { statements: [{ sql: 'SELECT 1', bind: [1] }] }, /statements\[0\]\.bind: is not a known field \(sql, binds\)/],
  ['binds not an array', { statements: [{ sql: 'SELECT ?', binds: 1 }] }, /statements\[0\]\.binds: must be an array/],
  ['a bind that is an object', { statements: [{ sql: 'SELECT ?', binds: [{ a: 1 }] }] }, /statements\[0\]\.binds\[0\]: must be a string, number, boolean or null/],
  ['ragged rows', { statements: [{ sql: 'INSERT INTO T VALUES (?, ?)', binds: [[1, 'a'], [2]] }] }, /statements\[0\]\.binds\[1\]: has 1 values and binds\[0\] has 2/],
  ['an object in a row', { statements: [{ sql: 'INSERT INTO T VALUES (?)', binds: [[1], [{}]] }] }, /statements\[0\]\.binds\[1\]\[0\]: must be a string/],
  ['an unknown fetch mode', { statements: [{ sql: 'SELECT 1' }], fetch: 'some' }, /fetch: must be "all", "none" or \{ "maxRows": n \}, not the string "some"/],
  ['maxRows 0', { statements: [{ sql: 'SELECT 1' }], fetch: { maxRows: 0 } }, /fetch\.maxRows: must be a positive integer, not a number/],
])('%s is rejected, naming the field, and no SQL runs', (_what, event, message) => {
  let error: unknown;
  try {
    parseSqlEvent(event);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(InvalidEventError);
  expect((error as InvalidEventError).code).toBe('INVALID_EVENT');
  expect((error as Error).message).toMatch(message);
  expect((error as Error).message).toMatch(/no SQL was run \(INVALID_EVENT\)$/);
});
