/**
 * The bind placeholders in a statement's SQL, for the synth-time check that a declared statement
 * has one bind type per placeholder. Placeholders inside literals, quoted identifiers and
 * comments do not count.
 *
 * Snowflake's lexical rules followed here (docs.snowflake.com):
 * - string constants are in single quotes, with `''` or a backslash escaping a quote, or between
 *   `$$` pairs ("String & binary data types: String constants");
 * - quoted identifiers are in double quotes, with `""` for a quote ("Identifier requirements");
 * - comments start with `--` or `//` and run to the end of the line, or are `/* ... *\/`
 *   ("Literals and comments: Commenting SQL statements");
 * - the Node.js driver binds `?` placeholders in order, or `:1`, `:2`, ... by position
 *   ("Node.js driver: Binding statement parameters"; "Bind variables": `?`, `:varname`).
 */
export interface Placeholders {
  /** How many `?` placeholders. */
  readonly question: number;
  /** The highest `:n` placeholder (0 when there is none). */
  readonly highestNumbered: number;
}

export function placeholdersOf(sql: string): Placeholders {
  let question = 0;
  let highestNumbered = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === '\'') {
      i++;
      while (i < sql.length && sql[i] !== '\'') i += sql[i] === '\\' ? 2 : 1;
      i++;
      if (sql[i] === '\'') continue; // '' inside a literal: the literal goes on
    } else if (c === '"') {
      i = sql.indexOf('"', i + 1);
      if (i < 0) break;
      i++;
    } else if (c === '$' && next === '$') {
      const end = sql.indexOf('$$', i + 2);
      if (end < 0) break;
      i = end + 2;
    } else if ((c === '-' && next === '-') || (c === '/' && next === '/')) {
      const end = sql.indexOf('\n', i);
      if (end < 0) break;
      i = end + 1;
    } else if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) break;
      i = end + 2;
    } else if (c === '?') {
      question++;
      i++;
    } else if (c === ':' && /[0-9]/.test(next ?? '') && sql[i - 1] !== ':') {
      const digits = /^[0-9]+/.exec(sql.slice(i + 1))![0];
      highestNumbered = Math.max(highestNumbered, Number(digits));
      i += 1 + digits.length;
    } else {
      i++;
    }
  }
  return { question, highestNumbered };
}
