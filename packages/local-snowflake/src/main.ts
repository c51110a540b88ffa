/**
 * Runs a local Snowflake endpoint by hand:
 *
 *   npx ts-node --project test/tsconfig.json packages/local-snowflake/src/main.ts \
 *     --port 8085 --user APP --public-key-file app.pub.pem [--public-key-file-2 new.pub.pem] \
 *     [--login-name svc.app@example.com] [--password secret] [--account TESTORG-TESTACCOUNT]
 *     [--locator XY12345] [--role R] [--warehouse W] [--database D]
 *
 * Prints the URL and the driver options to use, then serves until Ctrl-C. `--user` may repeat;
 * the key, password and default options apply to the user named just before them.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startLocalSnowflake } from './index';

interface UserArgs {
  name: string;
  loginName?: string;
  publicKeys: [string?, string?];
  password?: string;
  defaultRole?: string;
  defaultWarehouse?: string;
  defaultDatabase?: string;
}

async function main(): Promise<void> {
  const { tokens } = parseArgs({
    options: {
      'port': { type: 'string' },
      'host': { type: 'string' },
      'account': { type: 'string' },
      'locator': { type: 'string' },
      'login-name': { type: 'string', multiple: true },
      'in-progress-after-ms': { type: 'string' },
      'user': { type: 'string', multiple: true },
      'public-key-file': { type: 'string', multiple: true },
      'public-key-file-2': { type: 'string', multiple: true },
      'password': { type: 'string', multiple: true },
      'role': { type: 'string', multiple: true },
      'warehouse': { type: 'string', multiple: true },
      'database': { type: 'string', multiple: true },
    },
    tokens: true,
    strict: true,
  });
  const settings: Record<string, string> = {};
  const users: UserArgs[] = [];
  for (const token of tokens ?? []) {
    if (token.kind !== 'option' || token.value === undefined) continue;
    const current = users[users.length - 1];
    const needUser = (): UserArgs => {
      if (!current) throw new Error(`--${token.name} must follow a --user`);
      return current;
    };
    switch (token.name) {
      case 'user': users.push({ name: token.value, publicKeys: [] }); break;
      case 'public-key-file': needUser().publicKeys[0] = readFileSync(token.value, 'utf8'); break;
      case 'public-key-file-2': needUser().publicKeys[1] = readFileSync(token.value, 'utf8'); break;
      case 'login-name': needUser().loginName = token.value; break;
      case 'password': needUser().password = token.value; break;
      case 'role': needUser().defaultRole = token.value; break;
      case 'warehouse': needUser().defaultWarehouse = token.value; break;
      case 'database': needUser().defaultDatabase = token.value; break;
      default: settings[token.name] = token.value;
    }
  }

  const endpoint = await startLocalSnowflake({
    port: settings.port ? Number(settings.port) : 0,
    host: settings.host,
    account: settings.account,
    locator: settings.locator,
    inProgressAfterMs: settings['in-progress-after-ms'] ? Number(settings['in-progress-after-ms']) : undefined,
  });
  for (const u of users) endpoint.addUser(u);

  process.stdout.write(`local Snowflake endpoint: ${endpoint.url}\naccount: ${endpoint.account}\n`);
  for (const u of users) {
    const auth = u.publicKeys.some(Boolean) ? 'authenticator: \'SNOWFLAKE_JWT\', privateKey: <PEM>' : 'authenticator: \'SNOWFLAKE\', password: <password>';
    const username = u.loginName ?? u.name;
    process.stdout.write(`snowflake-sdk options for ${u.name}: { accessUrl: '${endpoint.url}', account: '${endpoint.account}', username: '${username}', ${auth} }\n`);
  }
  process.stdout.write('Ctrl-C to stop.\n');

  const stop = (): void => {
    endpoint.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // The endpoint's server keeps the process alive.
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
