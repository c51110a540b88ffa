/**
 * Snowflake SQL → PostgreSQL (PGlite) translation, and what the endpoint needs to know about a
 * statement to answer like Snowflake: its statementTypeId, the names of its result columns, the
 * SYSTEM$WAIT calls in it, and where PostgreSQL's error positions point in the client's text.
 *
 * It is a token-level rewrite, not a parser. What it does:
 * - binds: `?` (numbered in order) and `:N` → `$N`;
 * - identifiers: `"UPPER"` (a quoted name in Snowflake's folded form) → `"upper"` so it meets the
 *   same object as an unquoted name, which PostgreSQL folds to lower case; result column names
 *   in lower-case-only form come back upper case;
 * - three-part names `db.schema.object` → `schema.object` (one database per endpoint);
 * - session functions CURRENT_USER() … CURRENT_SCHEMA() → the session's values as literals;
 * - SYSTEM$WAIT(n [, unit]) → a literal, the wait itself is done by the endpoint (not PostgreSQL);
 * - Snowflake type names in DDL and casts (NUMBER, STRING, VARIANT, TIMESTAMP_NTZ, …);
 * - strings with backslash escapes → PostgreSQL E'' strings; NVL/IFNULL → COALESCE;
 *   PARSE_JSON(x) → (x)::jsonb; CURRENT_TIMESTAMP() → CURRENT_TIMESTAMP; SYSDATE();
 * - CREATE OR REPLACE TABLE → DROP TABLE IF EXISTS + CREATE TABLE; TRANSIENT dropped.
 */
import { identifierName, isSignificant, keyword, lex, splitStatements, Token } from './sql-lexer';

/** The values session functions return. */
export interface SessionValues {
  readonly user: string;
  readonly role: string;
  readonly account: string;
  readonly warehouse?: string;
  readonly database?: string;
  readonly schema?: string;
  readonly sessionId: number;
}

export interface Wait {
  readonly ms: number;
}

export interface Statement {
  /** The statement's tokens (offsets into the whole request text). */
  readonly tokens: readonly Token[];
  readonly info: StatementInfo;
}

export interface StatementInfo {
  readonly statementTypeId: number;
  /** First keyword, upper case (SELECT, INSERT, CREATE, ALTER, USE …). */
  readonly verb: string;
  /** For CREATE/DROP: the object kind (TABLE, VIEW, SCHEMA, DATABASE …) and its Snowflake name. */
  readonly objectKind?: string;
  readonly objectName?: string;
  readonly ifExists?: boolean;
  readonly ifNotExists?: boolean;
  readonly orReplace?: boolean;
}

export interface Translation {
  readonly pgSql: string;
  /** Statements to run first in the same transaction (CREATE OR REPLACE TABLE's DROP). */
  readonly preStatements: readonly string[];
  /** Number of PostgreSQL parameters ($1 … $n) the statement uses. */
  readonly bindCount: number;
  readonly waits: readonly Wait[];
  /** Snowflake names for result columns computed from expressions; undefined: use PostgreSQL's. */
  readonly columnNames?: readonly (string | undefined)[];
  /** PostgreSQL's 1-based error position → line (1-based) and position (0-based) in the client's text. */
  readonly locate: (pgPosition: number) => { line: number; pos: number };
}

/** Statement type ids (the driver's lib/connection/result/statement_type.js and JDBC's SFStatementType). */
export const STATEMENT_TYPE = {
  UNKNOWN: 0x0000,
  SELECT: 0x1000,
  INSERT: 0x3100,
  UPDATE: 0x3200,
  DELETE: 0x3300,
  MERGE: 0x3400,
  MULTI_INSERT: 0x3500,
  COPY: 0x3600,
  ALTER_SESSION: 0x4100,
  USE: 0x4300,
  USE_DATABASE: 0x4310,
  USE_SCHEMA: 0x4320,
  USE_WAREHOUSE: 0x4330,
  SHOW: 0x4400,
  DESCRIBE: 0x4500,
  TCL: 0x5000,
  DDL: 0x6000,
} as const;

export function parseStatements(sqlText: string): Statement[] {
  return splitStatements(lex(sqlText)).map((tokens) => ({ tokens, info: classify(tokens) }));
}

export function classify(tokens: readonly Token[]): StatementInfo {
  const sig = tokens.filter(isSignificant).filter((t) => !(t.kind === 'op' && t.text === '('));
  const kw = (i: number): string | undefined => keyword(sig[i]);
  const verb = kw(0) ?? '';
  switch (verb) {
    case 'SELECT': case 'WITH': case 'VALUES': case 'EXPLAIN': case 'CALL': case 'TABLE':
      return { verb, statementTypeId: STATEMENT_TYPE.SELECT };
    case 'SHOW': return { verb, statementTypeId: STATEMENT_TYPE.SHOW };
    case 'DESC': case 'DESCRIBE': return { verb: 'DESCRIBE', statementTypeId: STATEMENT_TYPE.DESCRIBE };
    case 'INSERT': return { verb, statementTypeId: kw(1) === 'ALL' || kw(1) === 'FIRST' ? STATEMENT_TYPE.MULTI_INSERT : STATEMENT_TYPE.INSERT };
    case 'UPDATE': return { verb, statementTypeId: STATEMENT_TYPE.UPDATE };
    case 'DELETE': return { verb, statementTypeId: STATEMENT_TYPE.DELETE };
    case 'MERGE': return { verb, statementTypeId: STATEMENT_TYPE.MERGE };
    case 'COPY': return { verb, statementTypeId: STATEMENT_TYPE.COPY };
    case 'BEGIN': case 'START': case 'COMMIT': case 'ROLLBACK':
      return { verb, statementTypeId: STATEMENT_TYPE.TCL };
    case 'USE': {
      const what = kw(1);
      const id = what === 'DATABASE' ? STATEMENT_TYPE.USE_DATABASE
        : what === 'SCHEMA' ? STATEMENT_TYPE.USE_SCHEMA
          : what === 'WAREHOUSE' ? STATEMENT_TYPE.USE_WAREHOUSE : STATEMENT_TYPE.USE;
      return { verb, statementTypeId: id };
    }
    case 'ALTER':
      if (kw(1) === 'SESSION') return { verb, statementTypeId: STATEMENT_TYPE.ALTER_SESSION };
      return { verb, statementTypeId: STATEMENT_TYPE.DDL, ...objectOf(sig, 1) };
    case 'CREATE': {
      let i = 1;
      let orReplace = false;
      if (kw(1) === 'OR' && kw(2) === 'REPLACE') {
        orReplace = true;
        i = 3;
      }
      while (['TEMP', 'TEMPORARY', 'TRANSIENT', 'VOLATILE', 'LOCAL', 'GLOBAL', 'SECURE'].includes(kw(i) ?? '')) i++;
      return { verb, statementTypeId: STATEMENT_TYPE.DDL, orReplace, ...objectOf(sig, i) };
    }
    case 'DROP': case 'TRUNCATE': case 'COMMENT': case 'GRANT': case 'REVOKE': case 'UNDROP':
      return { verb, statementTypeId: STATEMENT_TYPE.DDL, ...objectOf(sig, 1) };
    default:
      return { verb, statementTypeId: STATEMENT_TYPE.UNKNOWN };
  }
}

function objectOf(sig: readonly Token[], i: number): Partial<StatementInfo> {
  const objectKind = keyword(sig[i]);
  let j = i + 1;
  let ifExists = false;
  let ifNotExists = false;
  if (keyword(sig[j]) === 'IF' && keyword(sig[j + 1]) === 'NOT' && keyword(sig[j + 2]) === 'EXISTS') {
    ifNotExists = true;
    j += 3;
  } else if (keyword(sig[j]) === 'IF' && keyword(sig[j + 1]) === 'EXISTS') {
    ifExists = true;
    j += 2;
  }
  let objectName: string | undefined;
  while (sig[j] && (sig[j].kind === 'word' || sig[j].kind === 'qident')) {
    objectName = identifierName(sig[j]);
    if (sig[j + 1]?.text !== '.') break;
    j += 2;
  }
  return { objectKind, objectName, ifExists, ifNotExists };
}

const SESSION_FUNCTIONS: Record<string, (s: SessionValues) => string | number | undefined> = {
  CURRENT_USER: (s) => s.user,
  CURRENT_ROLE: (s) => s.role,
  CURRENT_ACCOUNT: (s) => s.account,
  CURRENT_ACCOUNT_NAME: (s) => s.account.split('-').slice(1).join('-') || s.account,
  CURRENT_ORGANIZATION_NAME: (s) => (s.account.includes('-') ? s.account.split('-')[0] : undefined),
  CURRENT_WAREHOUSE: (s) => s.warehouse,
  CURRENT_DATABASE: (s) => s.database,
  CURRENT_SCHEMA: (s) => s.schema,
  CURRENT_SESSION: (s) => String(s.sessionId),
  CURRENT_REGION: () => 'LOCAL',
  CURRENT_VERSION: () => '0.0.0-local',
  CURRENT_CLIENT: () => 'local-snowflake',
};

/** Functions without arguments whose Snowflake call syntax PostgreSQL does not accept. */
const NILADIC: Record<string, string> = {
  CURRENT_TIMESTAMP: 'CURRENT_TIMESTAMP',
  CURRENT_DATE: 'CURRENT_DATE',
  CURRENT_TIME: 'CURRENT_TIME',
  LOCALTIMESTAMP: 'LOCALTIMESTAMP',
  SYSDATE: '(now() AT TIME ZONE \'UTC\')',
  GETDATE: 'now()',
};

const RENAMED_FUNCTIONS: Record<string, string> = { NVL: 'COALESCE', IFNULL: 'COALESCE' };

/** Snowflake type names PostgreSQL does not know, in DDL and casts. `null`: keep the word. */
const TYPES: Record<string, string | null> = {
  NUMBER: 'numeric',
  DECIMAL: 'numeric',
  NUMERIC: 'numeric',
  INT: 'bigint',
  INTEGER: 'bigint',
  BIGINT: 'bigint',
  SMALLINT: 'smallint',
  TINYINT: 'smallint',
  BYTEINT: 'smallint',
  FLOAT: 'double precision',
  FLOAT4: 'double precision',
  FLOAT8: 'double precision',
  DOUBLE: 'double precision',
  REAL: 'double precision',
  STRING: 'text',
  TEXT: 'text',
  NVARCHAR: 'varchar',
  NVARCHAR2: 'varchar',
  NCHAR: 'char',
  CHAR: null,
  CHARACTER: null,
  VARCHAR: null,
  BINARY: 'bytea',
  VARBINARY: 'bytea',
  VARIANT: 'jsonb',
  OBJECT: 'jsonb',
  ARRAY: 'jsonb',
  TIMESTAMP_NTZ: 'timestamp',
  DATETIME: 'timestamp',
  TIMESTAMP: 'timestamp',
  TIMESTAMP_LTZ: 'timestamptz',
  TIMESTAMP_TZ: 'timestamptz',
  GEOGRAPHY: 'text',
  GEOMETRY: 'text',
};

/** Types whose Snowflake length/precision argument PostgreSQL would reject or misread. */
const DROP_TYPE_ARGS = new Set(['BINARY', 'VARBINARY', 'TIMESTAMP_NTZ', 'TIMESTAMP_LTZ', 'TIMESTAMP_TZ', 'DATETIME', 'FLOAT', 'DOUBLE', 'REAL', 'STRING', 'TEXT', 'INT', 'INTEGER', 'BIGINT', 'SMALLINT', 'TINYINT', 'BYTEINT']);

/** Translates one statement (its tokens, from `parseStatements`). */
export function translate(sqlText: string, statement: Statement, session: SessionValues): Translation {
  const tokens = statement.tokens;
  const out: string[] = [];
  const pieces: { outStart: number; origStart: number; same: boolean }[] = [];
  let outLength = 0;
  const emit = (text: string, origStart: number, same: boolean): void => {
    pieces.push({ outStart: outLength, origStart, same });
    out.push(text);
    outLength += text.length;
  };
  const sigIndexes = tokens.map((t, i) => (isSignificant(t) ? i : -1)).filter((i) => i >= 0);
  const sigAfter = (i: number, n = 1): Token | undefined => {
    const k = sigIndexes.indexOf(i);
    return k < 0 ? undefined : tokens[sigIndexes[k + n]];
  };
  const sigIndexAfter = (i: number, n = 1): number => {
    const k = sigIndexes.indexOf(i);
    return k < 0 || k + n >= sigIndexes.length ? tokens.length : sigIndexes[k + n];
  };
  const sigBefore = (i: number): Token | undefined => {
    const k = sigIndexes.indexOf(i);
    return k <= 0 ? undefined : tokens[sigIndexes[k - 1]];
  };

  const info = statement.info;
  const inDdl = info.verb === 'CREATE' || info.verb === 'ALTER';
  const preStatements: string[] = [];
  const waits: Wait[] = [];
  let nextBind = 0;
  let maxBind = 0;
  let depth = 0;
  const castDepths: number[] = [];
  const suffixAtClose = new Map<number, string>();

  let i = 0;
  // CREATE OR REPLACE TABLE x → DROP TABLE IF EXISTS x; CREATE TABLE x. TRANSIENT is dropped.
  const skip = new Set<number>();
  if (info.verb === 'CREATE') {
    const firstSig = sigIndexes[0];
    if (info.orReplace && info.objectKind === 'TABLE') {
      skip.add(sigIndexAfter(firstSig, 1));
      skip.add(sigIndexAfter(firstSig, 2));
    }
    for (let k = 1; k < 6; k++) {
      const idx = sigIndexAfter(firstSig, k);
      if (keyword(tokens[idx]) === 'TRANSIENT') skip.add(idx);
    }
  }

  while (i < tokens.length) {
    const t = tokens[i];
    const upper = t.text.toUpperCase();
    if (skip.has(i)) {
      i++;
      continue;
    }
    if (t.kind === 'comment') {
      emit(' ', t.start, false);
    } else if (t.kind === 'bind') {
      const n = t.text === '?' ? ++nextBind : Number(t.text.slice(1));
      maxBind = Math.max(maxBind, n);
      emit(`$${n}`, t.start, false);
    } else if (t.kind === 'string') {
      emit(t.text.includes('\\') ? `E${t.text}` : t.text, t.start, !t.text.includes('\\'));
    } else if (t.kind === 'qident') {
      const name = identifierName(t);
      emit(/^[A-Z_][A-Z0-9_$]*$/.test(name) ? `"${name.toLowerCase()}"` : t.text, t.start, true);
    } else if (t.kind === 'op' && t.text === '(') {
      depth++;
      emit(t.text, t.start, true);
    } else if (t.kind === 'op' && t.text === ')') {
      const suffix = suffixAtClose.get(depth);
      suffixAtClose.delete(depth);
      if (castDepths[castDepths.length - 1] === depth) castDepths.pop();
      depth--;
      emit(t.text + (suffix ?? ''), t.start, suffix === undefined);
    } else if (t.kind === 'word') {
      const open = sigAfter(i);
      const isCall = open?.kind === 'op' && open.text === '(';
      const emptyCall = isCall && sigAfter(i, 2)?.text === ')';
      const prev = sigBefore(i);
      if (emptyCall && upper in SESSION_FUNCTIONS) {
        emit(literal(SESSION_FUNCTIONS[upper](session)), t.start, false);
        i = sigIndexAfter(i, 2) + 1;
        continue;
      }
      if (emptyCall && upper in NILADIC) {
        emit(NILADIC[upper], t.start, false);
        i = sigIndexAfter(i, 2) + 1;
        continue;
      }
      if (isCall && upper === 'SYSTEM$WAIT') {
        const wait = parseWait(tokens, sigIndexes, i);
        if (wait) {
          waits.push({ ms: wait.ms });
          emit(literal(wait.result), t.start, false);
          i = wait.end + 1;
          continue;
        }
      }
      if (isCall && upper in RENAMED_FUNCTIONS) {
        emit(RENAMED_FUNCTIONS[upper], t.start, false);
      } else if (isCall && (upper === 'PARSE_JSON' || upper === 'TO_VARIANT')) {
        // PARSE_JSON(x) → (x)::jsonb: drop the name, add the cast after the matching ')'.
        suffixAtClose.set(depth + 1, '::jsonb');
        emit('', t.start, false);
      } else if (isCall && (upper === 'CAST' || upper === 'TRY_CAST')) {
        castDepths.push(depth + 1);
        emit('CAST', t.start, upper === 'CAST');
      } else if (upper in TYPES && isTypePosition(prev, inDdl, castDepths, depth)) {
        const pgType = TYPES[upper];
        emit(pgType ?? t.text, t.start, pgType === null);
        const args = sigAfter(i);
        if (args?.text === '(' && DROP_TYPE_ARGS.has(upper)) {
          // Skip "(n)" / "(p, s)" that PostgreSQL would reject for the mapped type.
          let j = sigIndexAfter(i);
          while (j < tokens.length && tokens[j].text !== ')') j++;
          i = j + 1;
          continue;
        }
        if (upper === 'NUMBER' && args?.text !== '(') emit('(38,0)', t.start, false);
        if (upper === 'DOUBLE' && keyword(args) === 'PRECISION') {
          i = sigIndexAfter(i) + 1;
          continue;
        }
      } else if (isThreePartName(tokens, sigIndexes, i, prev)) {
        // db.schema.object → schema.object: skip the database and its dot.
        i = sigIndexAfter(i, 2);
        continue;
      } else {
        emit(t.text, t.start, true);
      }
    } else {
      emit(t.text, t.start, true);
    }
    i++;
  }

  if (info.verb === 'CREATE' && info.orReplace && info.objectKind === 'TABLE' && info.objectName) {
    preStatements.push(`DROP TABLE IF EXISTS ${pgIdentifier(info.objectName)}`);
  }

  const locate = (pgPosition: number): { line: number; pos: number } => {
    const p = Math.max(0, pgPosition - 1);
    let piece = pieces[0];
    for (const candidate of pieces) {
      if (candidate.outStart <= p) piece = candidate;
      else break;
    }
    const offset = piece ? (piece.same ? piece.origStart + (p - piece.outStart) : piece.origStart) : 0;
    return lineAndPosition(sqlText, offset);
  };

  return {
    pgSql: out.join(''),
    preStatements,
    bindCount: maxBind,
    waits,
    columnNames: selectListNames(sqlText, tokens),
    locate,
  };
}

function isTypePosition(prev: Token | undefined, inDdl: boolean, castDepths: readonly number[], depth: number): boolean {
  if (!prev) return false;
  if (prev.kind === 'op' && prev.text === '::') return true;
  if (keyword(prev) === 'AS' && castDepths[castDepths.length - 1] === depth) return true;
  // Column definitions: "name TYPE" inside CREATE/ALTER.
  if (inDdl && (prev.kind === 'word' || prev.kind === 'qident') && !['TABLE', 'VIEW', 'SCHEMA', 'DATABASE', 'EXISTS', 'REPLACE', 'CREATE', 'ALTER', 'SET', 'DROP', 'ADD'].includes(keyword(prev) ?? '')) return true;
  if (inDdl && keyword(prev) === 'TYPE') return true;
  return false;
}

function isThreePartName(tokens: readonly Token[], sigIndexes: readonly number[], i: number, prev: Token | undefined): boolean {
  if (prev?.text === '.') return false;
  const k = sigIndexes.indexOf(i);
  const at = (n: number): Token | undefined => tokens[sigIndexes[k + n]];
  const isName = (t: Token | undefined): boolean => t?.kind === 'word' || t?.kind === 'qident';
  return at(1)?.text === '.' && isName(at(2)) && at(3)?.text === '.' && isName(at(4)) && at(5)?.text !== '.';
}

/** SYSTEM$WAIT(amount [, 'unit']) with literal arguments. */
function parseWait(tokens: readonly Token[], sigIndexes: readonly number[], i: number): { ms: number; result: string; end: number } | undefined {
  const k = sigIndexes.indexOf(i);
  const at = (n: number): Token | undefined => tokens[sigIndexes[k + n]];
  if (at(2)?.kind !== 'number') return undefined;
  const amount = Number(at(2)?.text);
  let unit = 'SECONDS';
  let close = 3;
  if (at(3)?.text === ',' && at(4)?.kind === 'string') {
    unit = (at(4)?.text ?? '').slice(1, -1).toUpperCase();
    close = 5;
  }
  if (at(close)?.text !== ')') return undefined;
  const factor: Record<string, number> = {
    SECONDS: 1000, SECOND: 1000, MILLISECONDS: 1, MILLISECOND: 1, MICROSECONDS: 0.001, MINUTES: 60000, HOURS: 3600000,
  };
  if (!(unit in factor)) return undefined;
  return { ms: amount * factor[unit], result: `waited ${at(2)?.text} ${unit.toLowerCase()}`, end: sigIndexes[k + close] };
}

function literal(value: string | number | undefined): string {
  if (value === undefined) return 'NULL::text';
  if (typeof value === 'number') return String(value);
  return `'${value.replace(/'/g, '\'\'')}'::text`;
}

/** A Snowflake name as a PostgreSQL identifier: folded names go lower case. */
export function pgIdentifier(snowflakeName: string): string {
  const name = /^[A-Z_][A-Z0-9_$]*$/.test(snowflakeName) ? snowflakeName.toLowerCase() : snowflakeName;
  return `"${name.replace(/"/g, '""')}"`;
}

function lineAndPosition(text: string, offset: number): { line: number; pos: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, pos: offset - (before.lastIndexOf('\n') + 1) };
}

const SELECT_LIST_END = new Set(['FROM', 'WHERE', 'GROUP', 'HAVING', 'ORDER', 'LIMIT', 'UNION', 'EXCEPT', 'INTERSECT', 'MINUS', 'QUALIFY', 'WINDOW', 'INTO', 'FETCH', 'OFFSET']);
const NOT_AN_ALIAS = new Set(['NULL', 'TRUE', 'FALSE', 'END', 'DISTINCT', 'ALL']);

/**
 * Snowflake names an unaliased expression column by its text, upper-cased (`SELECT 1` → "1",
 * `SELECT CURRENT_USER()` → "CURRENT_USER()"). Returns a name per select-list item for such
 * expressions, undefined for aliased items and column references (PostgreSQL's name, folded, is
 * right for those), or undefined altogether when the list has a `*` or is not a plain SELECT.
 */
function selectListNames(sqlText: string, tokens: readonly Token[]): (string | undefined)[] | undefined {
  const sig = tokens.filter(isSignificant);
  if (keyword(sig[0]) !== 'SELECT') return undefined;
  let i = 1;
  while (['DISTINCT', 'ALL'].includes(keyword(sig[i]) ?? '')) i++;
  if (keyword(sig[i]) === 'TOP') i += 2;
  const items: Token[][] = [];
  let current: Token[] = [];
  let depth = 0;
  for (; i < sig.length; i++) {
    const t = sig[i];
    if (t.text === '(') depth++;
    if (t.text === ')') depth--;
    if (depth === 0 && SELECT_LIST_END.has(keyword(t) ?? '')) break;
    if (depth === 0 && t.text === ',') {
      items.push(current);
      current = [];
    } else {
      current.push(t);
    }
  }
  items.push(current);
  const names: (string | undefined)[] = [];
  for (const item of items) {
    if (item.length === 0) return undefined;
    const last = item[item.length - 1];
    if (last.text === '*') return undefined;
    const beforeLast = item[item.length - 2];
    const lastIsName = last.kind === 'word' || last.kind === 'qident';
    const aliased = item.length >= 2 && lastIsName && !NOT_AN_ALIAS.has(keyword(last) ?? '')
      && (keyword(beforeLast) === 'AS' || !(beforeLast.kind === 'op' && beforeLast.text !== ')'));
    const columnRef = item.every((t, k) => (k % 2 === 0 ? t.kind === 'word' || t.kind === 'qident' : t.text === '.'));
    if (aliased || columnRef) {
      names.push(undefined);
    } else {
      names.push(sqlText.slice(item[0].start, last.start + last.text.length).toUpperCase());
    }
  }
  return names;
}
