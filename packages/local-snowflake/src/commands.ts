/**
 * Statements the endpoint answers itself, without PostgreSQL: session state (ALTER SESSION, USE),
 * transaction control, database DDL, and (account-commands.ts) users, roles and grants. Each
 * command is a small object: add a new one to COMMANDS.
 */
import { ACCOUNT_COMMANDS } from './account-commands';
import { roleNotAssigned, syntaxErrorAt as syntaxError } from './errors';
import type { Faults } from './faults';
import { Grants, PUBLIC_ROLE } from './grants';
import { StatementResult, statusResult } from './results';
import { ParamValue, Session } from './sessions';
import { Statement, STATEMENT_TYPE } from './sql';
import { identifierName, isSignificant, keyword, Token } from './sql-lexer';
import { Users } from './users';

export interface CommandContext {
  readonly session: Session;
  readonly statement: Statement;
  /** Significant tokens of the statement. */
  readonly sig: readonly Token[];
  readonly users: Users;
  readonly grants: Grants;
  readonly account: string;
  /** The endpoint's fault switches, for commands that honour one. */
  readonly faults?: Faults;
}

export interface Command {
  readonly name: string;
  matches(sig: readonly Token[]): boolean;
  run(ctx: CommandContext): StatementResult | Promise<StatementResult>;
}

const OK = 'Statement executed successfully.';

const alterSession: Command = {
  name: 'ALTER SESSION',
  matches: (sig) => keyword(sig[0]) === 'ALTER' && keyword(sig[1]) === 'SESSION',
  run({ session, sig }) {
    const action = keyword(sig[2]);
    if (action === 'SET') {
      let i = 3;
      while (i < sig.length) {
        if (sig[i].text === ',') {
          i++;
          continue;
        }
        const name = keyword(sig[i]);
        if (!name || sig[i + 1]?.text !== '=' || !sig[i + 2]) throw syntaxError(sig[i]);
        session.params.set(name, paramValue(sig[i + 2]));
        i += 3;
      }
    } else if (action === 'UNSET') {
      for (const t of sig.slice(3)) {
        if (t.kind === 'word') session.params.delete(t.text.toUpperCase());
      }
    } else {
      throw syntaxError(sig[2]);
    }
    return statusResult(STATEMENT_TYPE.ALTER_SESSION, OK);
  },
};

/**
 * USE [ROLE|WAREHOUSE|DATABASE|SCHEMA] name, USE db[.schema]. Names are identifiers (unquoted →
 * upper case, "quoted" → exact; https://docs.snowflake.com/en/sql-reference/identifiers-syntax).
 * USE ROLE needs the role granted to the session's user, or PUBLIC (003013 otherwise,
 * https://docs.snowflake.com/en/sql-reference/sql/use-role); warehouses, databases and schemas are
 * accepted without checking they exist.
 */
const use: Command = {
  name: 'USE',
  matches: (sig) => keyword(sig[0]) === 'USE',
  run({ session, sig, grants }) {
    const what = keyword(sig[1]);
    const names = (from: number): string[] => sig.slice(from).filter((t) => t.kind === 'word' || t.kind === 'qident').map(identifierName);
    switch (what) {
      case 'ROLE': {
        const role = names(2)[0];
        if (role === undefined) throw syntaxError(sig[2]);
        if (!session.internal && role !== PUBLIC_ROLE && !grants.isGranted(role, session.user)) throw roleNotAssigned(role);
        session.role = role;
        return statusResult(STATEMENT_TYPE.USE, OK);
      }
      case 'SECONDARY':
        return statusResult(STATEMENT_TYPE.USE, OK);
      case 'WAREHOUSE':
        session.warehouse = names(2)[0];
        return statusResult(STATEMENT_TYPE.USE_WAREHOUSE, OK);
      case 'SCHEMA': {
        const parts = names(2);
        if (parts.length > 1) session.database = parts[0];
        session.schema = parts[parts.length - 1];
        return statusResult(STATEMENT_TYPE.USE_SCHEMA, OK);
      }
      case 'DATABASE':
      default: {
        const parts = names(what === 'DATABASE' ? 2 : 1);
        session.database = parts[0];
        session.schema = parts[1] ?? 'PUBLIC';
        return statusResult(STATEMENT_TYPE.USE_DATABASE, OK);
      }
    }
  },
};

/**
 * BEGIN / COMMIT / ROLLBACK are accepted but do nothing: every statement commits on its own
 * (the engine is shared by all sessions). A ROLLBACK does not undo earlier statements.
 */
const transactionControl: Command = {
  name: 'transaction control',
  matches: (sig) => ['BEGIN', 'START', 'COMMIT', 'ROLLBACK'].includes(keyword(sig[0]) ?? ''),
  run: () => statusResult(STATEMENT_TYPE.TCL, OK),
};

/** One PostgreSQL database backs the endpoint: CREATE/DROP DATABASE only answer. */
const databaseDdl: Command = {
  name: 'CREATE/DROP DATABASE',
  matches: (sig) => ['CREATE', 'DROP'].includes(keyword(sig[0]) ?? '') && sig.some((t) => keyword(t) === 'DATABASE'),
  run({ statement }) {
    const name = statement.info.objectName ?? '';
    return statusResult(STATEMENT_TYPE.DDL, statement.info.verb === 'CREATE' ? `Database ${name} successfully created.` : `${name} successfully dropped.`);
  },
};

export const COMMANDS: readonly Command[] = [alterSession, use, transactionControl, ...ACCOUNT_COMMANDS, databaseDdl];

export function findCommand(statement: Statement): { command: Command; sig: Token[] } | undefined {
  const sig = statement.tokens.filter(isSignificant);
  const command = COMMANDS.find((c) => c.matches(sig));
  return command ? { command, sig } : undefined;
}

function paramValue(t: Token): ParamValue {
  if (t.kind === 'number') return Number(t.text);
  if (t.kind === 'string') return t.text.slice(1, -1).replace(/''/g, '\'');
  const upper = t.text.toUpperCase();
  if (upper === 'TRUE') return true;
  if (upper === 'FALSE') return false;
  return t.kind === 'qident' ? identifierName(t) : upper;
}
