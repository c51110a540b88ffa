/**
 * Signing in with the function's own IAM role (Snowflake workload identity federation,
 * docs/workload-identity.md): no secret, no key, nothing read. The connection settings come from
 * the function's environment (SNOWFLAKE_CONNECTION); the driver proves who the function is with
 * an attestation made from the credentials Lambda gives the execution role.
 *
 * snowflake-sdk 3.3.0, dist/lib/authentication/auth_workload_identity/:
 * - attestation_aws.js: the region is AWS_REGION (Lambda sets it; without it the driver would ask
 *   EC2 instance metadata), the credentials come from the default provider chain, whose first
 *   link reads AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN (Lambda sets them:
 *   https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html). So nothing probes
 *   instance metadata. SIGNED_CALLER_IDENTITY signs an STS GetCallerIdentity request and never
 *   sends it (Snowflake does); OUTBOUND_TOKEN calls STS GetWebIdentityToken.
 * - host_allowlist.js: before it makes the attestation, the driver refuses any `host` that is not
 *   `snowflakecomputing.com`, `.cn` or `.mil` or a subdomain of one (PrivateLink hosts included),
 *   unless the process environment variable SNOWFLAKE_WIF_ALLOWED_HOST_SUFFIXES extends the list.
 */
import type { Credentials, CredentialSource } from './credentials';
import { WorkloadIdentityAttestationKind, WorkloadIdentityConnection } from '../../shared/workload-identity';
import { registerSecret } from '../shared/redact';

/** How a connector signs in with its workload identity (ConnectorOptions.workloadIdentity). */
export interface WorkloadIdentityOptions {
  /** The connection settings: account and user, and optionally role, warehouse, database, schema, host. */
  readonly connection: WorkloadIdentityConnection;
  /**
   * The IAM role ARN the function signs in as (its execution role). Used only in errors: a
   * refused login names it and gives the SQL that registers it.
   * @default - unknown: errors name SNOWFLAKE_WORKLOAD_IDENTITY_ARN as the missing piece
   */
  readonly roleArn?: string;
  /**
   * Which attestation the driver sends.
   * @default 'SIGNED_CALLER_IDENTITY'
   */
  readonly attestation?: WorkloadIdentityAttestationKind;
}

/** The driver's environment variable that extends its workload-identity host allow-list (host_allowlist.js). */
export const WIF_ALLOWED_HOST_SUFFIXES_ENV = 'SNOWFLAKE_WIF_ALLOWED_HOST_SUFFIXES';

/** The credentials of a workload identity: fixed settings, no secret, so nothing to read or re-read. */
export class WorkloadIdentitySource implements CredentialSource {
  public readonly reads = 0;
  private readonly credentials: Credentials;

  constructor(options: WorkloadIdentityOptions) {
    const { account, user, role, warehouse, database, schema, host } = options.connection;
    this.credentials = {
      settings: { account, user, role, warehouse, database, schema, host },
      authentication: {
        kind: 'workloadIdentity',
        attestation: options.attestation ?? 'SIGNED_CALLER_IDENTITY',
        ...(options.roleArn ? { roleArn: options.roleArn } : {}),
      },
    };
    // The role's temporary credentials sign the attestation: if anything ever quoted them, the
    // one redaction point removes them (the session token is also a long base64 run).
    registerSecret(process.env.AWS_SECRET_ACCESS_KEY);
    registerSecret(process.env.AWS_SESSION_TOKEN);
  }

  get(): Promise<Credentials> {
    return Promise.resolve(this.credentials);
  }

  refresh(): Promise<Credentials> {
    return this.get();
  }
}

/** Whether a URL's host is a loopback address (127.0.0.0/8, ::1, localhost), as endpointUrlProblem defines it. */
export function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname.toLowerCase();
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Lets the driver send the attestation to a loopback URL override (a local endpoint in tests), and
 * to nothing else: the override's host is added to SNOWFLAKE_WIF_ALLOWED_HOST_SUFFIXES only when it
 * is loopback, where the attestation never leaves the machine. Any other override stays subject to
 * the driver's allow-list, so the attestation (a bearer credential until it expires) goes only to
 * Snowflake's own hosts. Values already in the variable are kept. Returns whether it added one.
 *
 * Why not name the Snowflake host as the driver's `host` while `accessUrl` is the override: the
 * allow-list would then check a name the request never goes to, and pass a token to any override.
 */
export function allowLoopbackOverride(endpointUrl: string | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  if (!endpointUrl || !isLoopbackUrl(endpointUrl)) return false;
  const host = new URL(endpointUrl).hostname.toLowerCase();
  const present = (env[WIF_ALLOWED_HOST_SUFFIXES_ENV] ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (present.includes(host)) return false;
  env[WIF_ALLOWED_HOST_SUFFIXES_ENV] = [...present, host].join(',');
  return true;
}
