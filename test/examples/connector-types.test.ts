/**
 * Your own handler gets the connector's types from the declarations the library ships
 * (assets/connector-types), through one tsconfig `paths` entry, as docs/connector.md shows.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO } from '../support/lambda-process';

const TSC = path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');

/** Type-checks `source` as a user's handler with the tsconfig docs/connector.md gives. */
function typeCheck(source: string): { status: number | null; output: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'user-handler-'));
  try {
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'node16',
        moduleResolution: 'node16',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
        typeRoots: [path.join(REPO, 'node_modules', '@types')],
        paths: { '@cdk-snowflake-keypair/connector': [path.join(REPO, 'assets', 'connector-types')] },
      },
      files: ['handler.ts'],
    }));
    fs.writeFileSync(path.join(dir, 'handler.ts'), source);
    const run = spawnSync(process.execPath, [TSC, '-p', dir], { encoding: 'utf8' });
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('a handler using the connector as documented type-checks', () => {
  const result = typeCheck(`
    import { getConnector, QueryError } from '@cdk-snowflake-keypair/connector';
    export const handler = async (event: { table: string }) => {
      const snowflake = getConnector();
      const row = await snowflake.fetchOne('SELECT COUNT(*) AS N FROM IDENTIFIER(?)', [event.table]);
      const { rowCount } = await snowflake.executeMany('INSERT INTO T (A, B) VALUES (?, ?)', [['a', 1], ['b', 2]]);
      try { await snowflake.execute('SELECT 1'); } catch (e) { if (e instanceof QueryError) return { code: e.code }; }
      return { n: row?.N, rowCount };
    };
  `);
  expect(result).toEqual({ status: 0, output: '' });
});

test('(failing case) a wrong call is a compile error, not a surprise in Lambda', () => {
  const result = typeCheck(`
    import { getConnector } from '@cdk-snowflake-keypair/connector';
    export const handler = async () => {
      const snowflake = getConnector();
      await snowflake.execute('INSERT INTO T VALUES (?)', [{ not: 'a bind' }]);
      return snowflake.runSql('SELECT 1');
    };
  `);
  expect(result.status).not.toBe(0);
  expect(result.output).toMatch(/error TS2322/); // an object is not a bind value
  expect(result.output).toMatch(/error TS2339: Property 'runSql' does not exist on type 'SnowflakeConnector'/);
});

test('the example app, its own handler included, type-checks against the shipped declarations', () => {
  const run = spawnSync(process.execPath, [TSC, '-p', path.join(REPO, 'examples', 'tsconfig.json'), '--noEmit'], { encoding: 'utf8' });
  expect(`${run.stdout}${run.stderr}`).toBe('');
  expect(run.status).toBe(0);
}, 60_000);
