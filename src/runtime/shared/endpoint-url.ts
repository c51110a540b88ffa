/**
 * The Snowflake URL override (SNOWFLAKE_ENDPOINT_URL), read the same way by every function that
 * signs in to Snowflake (the connector, the rotation, the registration): https, or http to a
 * loopback address only (`endpointUrlProblem`), never echoed with credentials.
 */
import { ConfigurationError } from './errors';
import { endpointUrlProblem, ENDPOINT_URL_ENV } from '../../shared/environment';

/** The override from `env`, if any; a bad one is a ConfigurationError naming the variable and the rule. */
export function endpointUrlFromEnvironment(env: Record<string, string | undefined>): string | undefined {
  const endpointUrl = env[ENDPOINT_URL_ENV]?.trim() || undefined;
  const problem = endpointUrl ? endpointUrlProblem(endpointUrl) : undefined;
  if (problem) {
    throw new ConfigurationError('CONFIG_INVALID', `${ENDPOINT_URL_ENV} must be a URL such as https://proxy.example.com:8443, and `
      + `${JSON.stringify(endpointUrl!.replace(/\/\/[^/@]*@/, '//***@'))} is not: ${problem}. The login JWT and every statement go to it`);
  }
  return endpointUrl;
}
