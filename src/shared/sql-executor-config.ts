/**
 * What the SQL executor may run: written by `ConnectorHandler.sqlExecutor()` at synth time into
 * the function's environment (SQL_EXECUTOR_ENV), read by the executor at cold start. Shared by
 * the construct and the runtime so that the format is written once.
 *
 * Nothing in it is secret: statement names, SQL text with `?` placeholders, and bind types. The
 * values of the binds come from each event.
 */

/** The type of one bind, as the executor checks it against an event's value. */
export type BindKind = 'TEXT' | 'NUMBER' | 'BOOLEAN';

/** A bind's wire form: its kind, with `?` appended when SQL NULL (JSON null) is allowed too. */
export type BindSpec = BindKind | `${BindKind}?`;

export interface DeclaredStatement {
  readonly sql: string;
  /** One entry per `?` placeholder, in order. Absent: the statement takes no binds. */
  readonly binds?: readonly BindSpec[];
}

/** The executor's configuration. Every field is optional: absent means "no". */
export interface SqlExecutorConfig {
  /** Statements an event may run by name (`{ "run": "<name>", "binds": [...] }`). */
  readonly statements?: Readonly<Record<string, DeclaredStatement>>;
  /** Events may carry SQL text (`{ "statements": [{ "sql": "..." }] }`): any statement the user may run. */
  readonly anySql?: boolean;
  /** An EventBridge event's `detail` is read as the request. */
  readonly eventBridgeDetail?: boolean;
}

/** The kinds of bind, for checks on both sides. */
export const BIND_KINDS: readonly BindKind[] = ['TEXT', 'NUMBER', 'BOOLEAN'];

/** A statement name: letters, digits and underscores, starting with a letter; at most 64 characters. */
export const STATEMENT_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** The kind and nullability of a bind's wire form. */
export function parseBindSpec(spec: string): { kind: BindKind; nullable: boolean } | undefined {
  const nullable = spec.endsWith('?');
  const kind = (nullable ? spec.slice(0, -1) : spec) as BindKind;
  return BIND_KINDS.includes(kind) ? { kind, nullable } : undefined;
}

/**
 * The configuration as the environment variable's value: compact JSON with statement names
 * sorted, so the template is byte-identical whatever order the statements were declared in.
 */
export function serializeSqlExecutorConfig(config: SqlExecutorConfig): string {
  const names = Object.keys(config.statements ?? {}).sort();
  const statements: Record<string, DeclaredStatement> = {};
  for (const name of names) {
    const statement = config.statements![name];
    statements[name] = statement.binds && statement.binds.length > 0 ? { sql: statement.sql, binds: [...statement.binds] } : { sql: statement.sql };
  }
  return JSON.stringify({
    ...(names.length > 0 ? { statements } : {}),
    ...(config.anySql ? { anySql: true } : {}),
    ...(config.eventBridgeDetail ? { eventBridgeDetail: true } : {}),
  });
}
