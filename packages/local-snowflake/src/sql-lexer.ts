/**
 * A small lexer for Snowflake SQL: enough to find binds, identifiers, strings and statement
 * boundaries without being fooled by quotes or comments.
 */

export type TokenKind =
  | 'space' // whitespace
  | 'comment' // -- … , // … , /* … */
  | 'string' // '…' with '' and backslash escapes
  | 'dollar' // $$…$$
  | 'qident' // "…" with "" escapes
  | 'word' // identifier or keyword
  | 'number'
  | 'bind' // ? or :N
  | 'op' // punctuation and operators
  | 'semi'; // ;

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  /** Offset of the first character in the lexed text. */
  readonly start: number;
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
const MULTI_OPS = ['::', '<=', '>=', '<>', '!=', '||', '=>', '->'];

export function lex(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const push = (kind: TokenKind, end: number): void => {
    tokens.push({ kind, text: sql.slice(i, end), start: i });
    i = end;
  };
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    if (/\s/.test(c)) {
      let j = i + 1;
      while (j < sql.length && /\s/.test(sql[j])) j++;
      push('space', j);
    } else if ((c === '-' && next === '-') || (c === '/' && next === '/')) {
      const nl = sql.indexOf('\n', i);
      push('comment', nl < 0 ? sql.length : nl);
    } else if (c === '/' && next === '*') {
      const close = sql.indexOf('*/', i + 2);
      push('comment', close < 0 ? sql.length : close + 2);
    } else if (c === '\'') {
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === '\\') j += 2;
        else if (sql[j] === '\'' && sql[j + 1] === '\'') j += 2;
        else if (sql[j] === '\'') break;
        else j++;
      }
      push('string', Math.min(j + 1, sql.length));
    } else if (c === '$' && next === '$') {
      const close = sql.indexOf('$$', i + 2);
      push('dollar', close < 0 ? sql.length : close + 2);
    } else if (c === '"') {
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === '"' && sql[j + 1] === '"') j += 2;
        else if (sql[j] === '"') break;
        else j++;
      }
      push('qident', Math.min(j + 1, sql.length));
    } else if (WORD_START.test(c)) {
      let j = i + 1;
      while (j < sql.length && WORD_PART.test(sql[j])) j++;
      push('word', j);
    } else if (/[0-9]/.test(c) || (c === '.' && next !== undefined && /[0-9]/.test(next))) {
      const m = /^(\d*\.?\d+|\d+\.)([eE][+-]?\d+)?/.exec(sql.slice(i));
      push('number', i + (m ? m[0].length : 1));
    } else if (c === '?') {
      push('bind', i + 1);
    } else if (c === ':' && next !== undefined && /[0-9]/.test(next) && sql[i - 1] !== ':') {
      let j = i + 1;
      while (j < sql.length && /[0-9]/.test(sql[j])) j++;
      push('bind', j);
    } else if (c === ';') {
      push('semi', i + 1);
    } else {
      const op = MULTI_OPS.find((o) => sql.startsWith(o, i));
      push('op', i + (op ? op.length : 1));
    }
  }
  return tokens;
}

export function isSignificant(t: Token): boolean {
  return t.kind !== 'space' && t.kind !== 'comment';
}

/** Splits tokens into statements at top-level semicolons, dropping empty statements. */
export function splitStatements(tokens: readonly Token[]): Token[][] {
  const statements: Token[][] = [];
  let current: Token[] = [];
  for (const t of tokens) {
    if (t.kind === 'semi') {
      if (current.some(isSignificant)) statements.push(current);
      current = [];
    } else {
      current.push(t);
    }
  }
  if (current.some(isSignificant)) statements.push(current);
  return statements;
}

/** Upper-case keyword text of a word token, or undefined for anything else. */
export function keyword(t: Token | undefined): string | undefined {
  return t?.kind === 'word' ? t.text.toUpperCase() : undefined;
}

/**
 * The Snowflake name an identifier token stands for: unquoted → upper case, quoted → as written.
 */
export function identifierName(t: Token): string {
  if (t.kind === 'qident') return t.text.slice(1, -1).replace(/""/g, '"');
  return t.text.toUpperCase();
}

/** A Snowflake identifier given as text (e.g. from the login query string): unquoted → upper case. */
export function normaliseIdentifier(text: string): string {
  const trimmed = text.trim();
  if (trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"')) return trimmed.slice(1, -1).replace(/""/g, '"');
  return trimmed.toUpperCase();
}
