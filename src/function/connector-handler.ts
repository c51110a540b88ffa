import * as lambda from 'aws-cdk-lib/aws-lambda';
import { bundledAsset } from '../private/assets';
import { BindSpec } from '../shared/sql-executor-config';

/**
 * The type of one bind of a declared statement: the executor checks each value an event gives
 * against it before it connects, and refuses the event otherwise.
 *
 * `TEXT` takes a JSON string (also for dates, timestamps and VARIANT text), `NUMBER` a finite
 * JSON number, `BOOLEAN` true or false. `BindType.nullable(...)` takes JSON null (SQL NULL) too.
 */
export class BindType {
  /** A JSON string. */
  public static readonly TEXT = new BindType('TEXT');
  /** A finite JSON number. */
  public static readonly NUMBER = new BindType('NUMBER');
  /** true or false. */
  public static readonly BOOLEAN = new BindType('BOOLEAN');

  /**
   * The same type, or JSON null for SQL NULL.
   * @param type the type of the value when it is not null
   */
  public static nullable(type: BindType): BindType {
    return new BindType(type._spec.endsWith('?') ? type._spec : `${type._spec}?` as BindSpec);
  }

  private constructor(/** @internal */ public readonly _spec: BindSpec) {}

  /** The type's name, as error messages give it: `TEXT`, or `TEXT or null`. */
  public get name(): string {
    return this._spec.endsWith('?') ? `${this._spec.slice(0, -1)} or null` : this._spec;
  }
}

/** Options of a declared statement. */
export interface SqlStatementOptions {
  /**
   * The type of each `?` placeholder in the SQL, in order. An event gives one value for each
   * (or rows of them, run as one statement with array binding).
   * @default - the statement takes no binds
   */
  readonly binds?: BindType[];

  /**
   * Events send rows of binds for this statement (`"binds": [[1, "a"], [2, "b"]]`), run as one
   * statement with array binding. Snowflake's SQL API has no array binding, so such a statement
   * runs on `SqlExecutorTransport.DRIVER`: the synth fails if `transport` is `SQL_API`.
   * @default false - events send one row of binds. On the DRIVER transport rows are accepted
   * anyway (as before this option); on SQL_API an event with rows is refused before the function
   * reads its secret
   */
  readonly arrayBinding?: boolean;
}

/**
 * A statement the SQL executor may run, declared at synth time. Events name it and give the
 * values of its binds; they never carry SQL.
 * For example `SqlStatement.of('UPDATE ORDERS SET STATUS = ? WHERE ORDER_ID = ?', { binds: [BindType.TEXT, BindType.TEXT] })`.
 */
export class SqlStatement {
  /**
   * A statement with `?` placeholders for its binds.
   * @param sql the SQL text, a literal (not a token): it is checked and written into the template
   * @param options the types of its binds
   */
  public static of(sql: string, options: SqlStatementOptions = {}): SqlStatement {
    return new SqlStatement(sql, options.binds ?? [], options.arrayBinding ?? false);
  }

  private constructor(
    /** The SQL text. */
    public readonly sql: string,
    /** The type of each bind, in order. */
    public readonly binds: BindType[],
    /** Whether events send rows of binds (array binding). */
    public readonly arrayBinding: boolean,
  ) {}
}

/**
 * How the SQL executor sends statements to Snowflake (docs/connector-function.md, "Transport").
 */
export class SqlExecutorTransport {
  /**
   * Snowflake's SQL API v2: each statement is one HTTPS request signed with a key-pair JWT, sent
   * with Node's own `fetch`; no driver is loaded and there is no login. Needs a key pair (not a
   * workload identity), and cannot bind SQL NULL or rows of binds (array binding).
   */
  public static readonly SQL_API = new SqlExecutorTransport('SQL_API');

  /**
   * snowflake-sdk, the Node.js driver: a session signed in once per cold start and reused. Binds
   * SQL NULL and rows of binds; signs in with a key pair or the function's workload identity.
   */
  public static readonly DRIVER = new SqlExecutorTransport('DRIVER');

  private constructor(
    /** The transport's name: `SQL_API` or `DRIVER`. */
    public readonly name: string,
  ) {}
}

/** What the pre-bundled SQL executor may run, and which events it reads. */
export interface SqlExecutorOptions {
  /**
   * The statements events may run, by name: `{ "run": "<name>", "binds": [...] }`, or several
   * in order with `{ "statements": [{ "run": "<name>", "binds": [...] }] }`. Names are letters,
   * digits and underscores, starting with a letter. The statements go into the function's
   * environment (Lambda allows 4 KB in all; a larger set is refused at synth).
   *
   * Whoever may invoke the function may run these statements, with binds of their choosing, as
   * the secret's Snowflake user: declare only what its callers need.
   * @default - none: the function refuses every event (a warning says so), unless `allowAnySql`
   */
  readonly statements?: { [name: string]: SqlStatement };

  /**
   * Also run SQL text given in the event: `{ "statements": [{ "sql": "...", "binds": [...] }] }`.
   * Then invoke permission is permission to run any statement the secret's Snowflake user may
   * run (`USE ROLE`, `ALTER USER ... ADD PROGRAMMATIC ACCESS TOKEN`, reads of every table its
   * roles can see): the construct warns (`cdk-snowflake-keypair:sqlExecutorRunsAnySql`), and you
   * acknowledge the warning once you have limited who may invoke the function.
   * @default false
   */
  readonly allowAnySql?: boolean;

  /**
   * Read the request from an EventBridge event's `detail` (for a rule that forwards matched
   * events unchanged). Then whoever may put such events on the bus may run the declared
   * statements. Rules with a fixed input (`RuleTargetInput.fromObject`) do not need it.
   * @default false: an EventBridge event is refused
   */
  readonly eventBridgeDetail?: boolean;

  /**
   * How statements are sent to Snowflake. `SQL_API` loads no driver (a smaller bundle, no login
   * round trip before the first statement); `DRIVER` binds SQL NULL and rows of binds, and is
   * the only transport for a workload identity (the SQL API takes a key-pair JWT only).
   * `SQL_API` with a workload identity, or with a statement that has nullable binds or
   * `arrayBinding`, fails the synth. Both return the same result shape
   * (docs/connector-function.md).
   * @default - SQL_API with a key pair (`secret`); DRIVER with
   * `SnowflakeAuthentication.workloadIdentity`, or when a declared statement has a nullable bind
   * or `arrayBinding`
   */
  readonly transport?: SqlExecutorTransport;
}

/**
 * What a `SnowflakeConnectorFunction` runs.
 *
 * `sqlExecutor()` is the pre-bundled SQL executor, which runs only the statements you declare.
 * Your own handlers (`fromAsset`, `fromCode`) get the pre-bundled connector as a Lambda layer:
 * they import `@cdk-snowflake-keypair/connector` and leave it out of their own bundle (esbuild
 * `--external:@cdk-snowflake-keypair/connector`, or `bundling.externalModules` of a
 * `NodejsFunction`). See docs/connector.md.
 */
export class ConnectorHandler {
  /**
   * The pre-bundled SQL executor: runs the statements declared here by name, with typed binds
   * from the event (`{ "run": "mergeCustomers", "binds": [42, "Ada"] }`), and returns rows or row
   * counts. Usable from direct invocation, Step Functions and EventBridge. Events that name an
   * undeclared statement, or carry SQL text, are refused before the function reads its secret.
   *
   * Invoke permission on the function is permission to run these statements as the secret's
   * Snowflake user.
   *
   * @param options the statements, and the opt-ins
   */
  public static sqlExecutor(options: SqlExecutorOptions = {}): ConnectorHandler {
    return new ConnectorHandler(undefined, 'index.handler', false, options);
  }

  /**
   * Your own handler, already bundled into a directory (for example by esbuild), with the
   * connector marked external.
   *
   * @param directory the directory holding the bundled handler
   * @param handler the handler, `file.export`
   */
  public static fromAsset(directory: string, handler: string = 'index.handler'): ConnectorHandler {
    return new ConnectorHandler(lambda.Code.fromAsset(directory), handler, true);
  }

  /**
   * Your own handler from any Lambda code source.
   *
   * @param code the code
   * @param handler the handler, `file.export`
   */
  public static fromCode(code: lambda.Code, handler: string): ConnectorHandler {
    return new ConnectorHandler(code, handler, true);
  }

  private constructor(
    /** @internal Your handler's code; undefined for the SQL executor, whose asset depends on its transport (`_codeFor`). */
    public readonly _code: lambda.Code | undefined,
    /** @internal */ public readonly _handler: string,
    /** @internal */ public readonly _needsConnectorLayer: boolean,
    /** @internal The SQL executor's options; undefined for your own handler. */ public readonly _sqlExecutor?: SqlExecutorOptions,
  ) {}

  /**
   * The code to run: your handler's, or the SQL executor's bundle for its transport (the
   * `sql-api-executor` bundle holds no driver; `sql-executor` is the driver's).
   * @internal
   */
  public _codeFor(transport: SqlExecutorTransport): lambda.Code {
    if (this._code) return this._code;
    return lambda.Code.fromAsset(bundledAsset(transport === SqlExecutorTransport.SQL_API ? 'sql-api-executor' : 'sql-executor'));
  }
}
