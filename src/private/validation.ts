import { IConstruct } from 'constructs';

/**
 * Refuses a construct's input: throws `[<construct path>] <message>`. The message names the prop,
 * shows the bad value (never a secret) and says how to fix it; the path says which construct of
 * the app it is. The one place the library's synth-time validation errors are made (issue 16: it
 * replaces a local `fail()` in each construct file). Not exported from index.ts.
 */
export function fail(scope: IConstruct, message: string): never {
  throw new Error(`[${scope.node.path}] ${message}`);
}
