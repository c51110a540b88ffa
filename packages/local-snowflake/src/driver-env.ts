/**
 * Import this (for its side effect) BEFORE `snowflake-sdk` in a test file:
 *
 * ```ts
 * import '../support/local-snowflake/driver-env';
 * import * as snowflake from 'snowflake-sdk';
 * ```
 *
 * snowflake-sdk 3.3.0 does two things when it is first required that a test does not want:
 * - it probes cloud metadata endpoints (169.254.169.254, metadata.google.internal) and calls AWS
 *   STS GetCallerIdentity with the default credential chain to report the platform at login;
 *   SNOWFLAKE_DISABLE_PLATFORM_DETECTION=true turns that off (login then reports ["disabled"]);
 * - it creates an OCSP cache directory, by default ~/.cache/snowflake; SF_OCSP_RESPONSE_CACHE_DIR
 *   moves it to a temporary directory (OCSP itself is never used over plain HTTP).
 * Values already set in the environment are kept.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';

process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION ??= 'true';
process.env.SF_OCSP_RESPONSE_CACHE_DIR ??= join(tmpdir(), 'local-snowflake-ocsp-cache');
