/**
 * The endpoint's Snowflake → PostgreSQL translation, without a server: lexing, statement types,
 * binds, identifiers, session functions, types, result column names and error positions.
 */
import { classify, parseStatements, SessionValues, STATEMENT_TYPE, translate, Translation } from '../src/sql';
import { lex, splitStatements } from '../src/sql-lexer';

const SESSION: SessionValues = {
  user: 'ALICE', role: 'LOADER', account: 'TESTORG-TESTACCOUNT', warehouse: 'WH', database: 'RAW', schema: 'PUBLIC', sessionId: 7,
};

function tr(sql: string): Translation {
  const [statement] = parseStatements(sql);
  return translate(sql, statement, SESSION);
}

describe('lexer', () => {
  test('keeps quotes, comments and casts apart from binds and statement ends', () => {
    const sql = 'SELECT \'a;\'\'b\\\'c?\', "x;""y", $$ ; ? $$, x::int, :1, ? -- ; ?\n/* ; ? */ // ; ?\n; SELECT 2';
    const kinds = lex(sql).filter((t) => t.kind !== 'space').map((t) => `${t.kind}:${t.text}`);
    expect(kinds).toEqual([
      'word:SELECT', 'string:\'a;\'\'b\\\'c?\'', 'op:,', 'qident:"x;""y"', 'op:,', 'dollar:$$ ; ? $$', 'op:,',
      'word:x', 'op:::', 'word:int', 'op:,', 'bind::1', 'op:,', 'bind:?', 'comment:-- ; ?', 'comment:/* ; ? */', 'comment:// ; ?',
      'semi:;', 'word:SELECT', 'number:2',
    ]);
    expect(splitStatements(lex(sql))).toHaveLength(2);
    expect(splitStatements(lex(' ; ;SELECT 1;'))).toHaveLength(1);
  });
});

describe('statement types', () => {
  test.each([
    { sql: 'select 1', id: STATEMENT_TYPE.SELECT },
    { sql: 'WITH x AS (SELECT 1) SELECT * FROM x', id: STATEMENT_TYPE.SELECT },
    { sql: 'insert into t values (1)', id: STATEMENT_TYPE.INSERT },
    { sql: 'UPDATE t SET a = 1', id: STATEMENT_TYPE.UPDATE },
    { sql: 'DELETE FROM t', id: STATEMENT_TYPE.DELETE },
    { sql: 'MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN DELETE', id: STATEMENT_TYPE.MERGE },
    { sql: 'ALTER SESSION SET TIMEZONE = \'UTC\'', id: STATEMENT_TYPE.ALTER_SESSION },
    { sql: 'USE WAREHOUSE wh', id: STATEMENT_TYPE.USE_WAREHOUSE },
    { sql: 'CREATE TABLE t (a INT)', id: STATEMENT_TYPE.DDL },
    { sql: 'COMMIT', id: STATEMENT_TYPE.TCL },
  ])('$sql → $id', ({ sql, id }) => {
    expect(classify(lex(sql)).statementTypeId).toBe(id);
  });

  test('CREATE/DROP name their object', () => {
    expect(classify(lex('CREATE OR REPLACE TRANSIENT TABLE IF NOT EXISTS raw.public."Events" (a INT)'))).toMatchObject({
      verb: 'CREATE', objectKind: 'TABLE', objectName: 'Events', orReplace: true, ifNotExists: true,
    });
    expect(classify(lex('drop table if exists events'))).toMatchObject({ verb: 'DROP', objectName: 'EVENTS', ifExists: true });
  });
});

describe('translation', () => {
  test('binds: ? in order, :N by number', () => {
    expect(tr('SELECT ?, ? FROM t WHERE a = ?')).toMatchObject({ pgSql: 'SELECT $1, $2 FROM t WHERE a = $3', bindCount: 3 });
    expect(tr('SELECT :2, :1, :2')).toMatchObject({ pgSql: 'SELECT $2, $1, $2', bindCount: 2 });
  });

  test('identifiers: quoted folded names meet unquoted ones; db.schema.object loses the database', () => {
    expect(tr('SELECT "ID", "MixedCase" FROM raw.public.events').pgSql).toBe('SELECT "id", "MixedCase" FROM public.events');
  });

  test('session functions become the session\'s values', () => {
    expect(tr('SELECT CURRENT_USER(), current_role ( ), CURRENT_SCHEMA(), CURRENT_TIMESTAMP()').pgSql)
      .toBe('SELECT \'ALICE\'::text, \'LOADER\'::text, \'PUBLIC\'::text, CURRENT_TIMESTAMP');
    const noWarehouse = translate('SELECT CURRENT_WAREHOUSE()', parseStatements('SELECT CURRENT_WAREHOUSE()')[0], { ...SESSION, warehouse: undefined });
    expect(noWarehouse.pgSql).toBe('SELECT NULL::text');
  });

  test('Snowflake types in DDL and casts', () => {
    expect(tr('CREATE TABLE t (a NUMBER, b NUMBER(10,2), c STRING, d VARIANT, e TIMESTAMP_NTZ(9), f FLOAT, g BINARY(16), h DOUBLE PRECISION)').pgSql)
      .toBe('CREATE TABLE t (a numeric(38,0), b numeric(10,2), c text, d jsonb, e timestamp, f double precision, g bytea, h double precision)');
    expect(tr('SELECT x::STRING, CAST(y AS NUMBER), TRY_CAST(z AS VARIANT) FROM t').pgSql)
      .toBe('SELECT x::text, CAST(y AS numeric(38,0)), CAST(z AS jsonb) FROM t');
    // Outside DDL and casts, a column called "number" stays a column.
    expect(tr('SELECT number FROM t').pgSql).toBe('SELECT number FROM t');
  });

  test('CREATE OR REPLACE TABLE drops first; TRANSIENT goes', () => {
    const t = tr('CREATE OR REPLACE TRANSIENT TABLE events (a INT)');
    expect(t.preStatements).toEqual(['DROP TABLE IF EXISTS "events"']);
    expect(t.pgSql.replace(/\s+/g, ' ')).toBe('CREATE TABLE events (a bigint)');
  });

  test('functions: NVL, PARSE_JSON, backslash escapes, SYSTEM$WAIT', () => {
    expect(tr('SELECT NVL(a, 1), PARSE_JSON(?), \'a\\nb\' FROM t').pgSql).toBe('SELECT COALESCE(a, 1), ($1)::jsonb, E\'a\\nb\' FROM t');
    expect(tr('SELECT SYSTEM$WAIT(2), SYSTEM$WAIT(5, \'MILLISECONDS\')')).toMatchObject({
      pgSql: 'SELECT \'waited 2 seconds\'::text, \'waited 5 milliseconds\'::text',
      waits: [{ ms: 2000 }, { ms: 5 }],
    });
  });

  test('unaliased expressions are named by their text, upper case; aliases and columns are left to PostgreSQL', () => {
    expect(tr('SELECT 1, a, t.b, c AS d, e f, count(*), \'x\', x::int FROM t').columnNames)
      .toEqual(['1', undefined, undefined, undefined, undefined, 'COUNT(*)', '\'X\'', 'X::INT']);
    expect(tr('SELECT * FROM t').columnNames).toBeUndefined();
    expect(tr('INSERT INTO t VALUES (1)').columnNames).toBeUndefined();
  });

  test('PostgreSQL error positions point into the client\'s text', () => {
    const sql = 'SELECT CURRENT_USER(), ?,\n  nope FROM t';
    const t = tr(sql);
    const pgPosition = t.pgSql.indexOf('nope') + 1;
    expect(t.locate(pgPosition)).toEqual({ line: 2, pos: 2 });
    expect(t.locate(1)).toEqual({ line: 1, pos: 0 });
  });
});
