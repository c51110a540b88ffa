/** A PrivateLink config in the form Snowflake documents (test/fixtures/privatelink-config.json). */
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The misspelled OCSP key, regionless and Snowsight URLs, connection URLs with their ports (as
 * Snowflake returns them: `host:443`, OCSP `host:80`), Duo's dashed URLs, the app-service wildcard,
 * and keys we ignore.
 */
export const CONFIG_JSON = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'privatelink-config.json'), 'utf8');
