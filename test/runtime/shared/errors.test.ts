/**
 * The connector's typed errors take their details as one object (docs/api-vocabulary.md), so a
 * caller cannot swap the SQL state and the query id: each detail lands in its own field, and a
 * detail left out stays undefined.
 */
import { AuthenticationError, QueryError, SnowflakeConnectorError } from '../../../src/runtime/shared/errors';

test('QueryError keeps each named detail in its field, and the cause', () => {
  const cause = new Error('driver');
  const error = new QueryError('SQL_ERROR', 'rejected', { snowflakeCode: '002003', sqlState: '42S02', queryId: '01b2-q', cause });
  expect(error).toBeInstanceOf(SnowflakeConnectorError);
  expect([error.code, error.snowflakeCode, error.sqlState, error.queryId, error.cause]).toEqual(['SQL_ERROR', '002003', '42S02', '01b2-q', cause]);
  expect(error.retryable).toBe(false);
});

test('(failing case) a detail left out is undefined, not taken from its neighbour', () => {
  const error = new QueryError('ASYNC_TIMEOUT', 'still running', { queryId: '01b2-q' });
  expect(error.queryId).toBe('01b2-q');
  expect(error.sqlState).toBeUndefined();
  expect(error.snowflakeCode).toBeUndefined();
  expect(new QueryError('SQL_ERROR', 'no details').queryId).toBeUndefined();
});

test('AuthenticationError takes its Snowflake code and cause the same way', () => {
  const cause = new Error('driver');
  const error = new AuthenticationError('AUTH_REJECTED', 'refused', { snowflakeCode: '390144', cause });
  expect([error.code, error.snowflakeCode, error.cause]).toEqual(['AUTH_REJECTED', '390144', cause]);
  expect(new AuthenticationError('AUTH_REJECTED', 'refused').snowflakeCode).toBeUndefined();
});
