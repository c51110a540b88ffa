/**
 * What end-to-end tests of workload identity share, on loopback:
 * - the function's AWS credentials as Lambda gives them: moto's STS AssumeRole of the execution
 *   role, put in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN with AWS_REGION
 *   (Lambda's reserved variables: https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html);
 * - a proxy in front of the local Snowflake endpoint that sees every login's attestation (to
 *   scan the output for it) and can alter it on its way, as an attacker or a broken network would.
 *
 * The local endpoint (started with `sts: { endpointUrl: moto }`) verifies the attestation itself.
 */
import * as http from 'node:http';
import { startLoopbackServer } from './loopback-server';

/** The execution role's temporary credentials. */
export interface RoleCredentials {
  readonly roleArn: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  /** The assumed-role ARN STS answers for them. */
  readonly arn: string;
}

/**
 * STS AssumeRole of `roleArn` at moto, as Lambda does for a function's execution role. Over STS's
 * query protocol (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html) with
 * plain HTTP: moto's server runs with authentication off and routes by the credential scope's
 * service.
 */
export async function assumeExecutionRole(motoEndpoint: string, roleArn: string, sessionName = 'lambda-session'): Promise<RoleCredentials> {
  const target = new URL(motoEndpoint);
  const body = new URLSearchParams({ Action: 'AssumeRole', Version: '2011-06-15', RoleArn: roleArn, RoleSessionName: sessionName }).toString();
  const xml = await new Promise<string>((resolve, reject) => {
    const req = http.request({
      host: target.hostname,
      port: target.port,
      method: 'POST',
      path: '/',
      headers: {
        'host': 'sts.amazonaws.com',
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': String(Buffer.byteLength(body)),
        'authorization': 'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=00',
      },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode === 200) resolve(text); else reject(new Error(`AssumeRole answered ${res.statusCode}: ${text.slice(0, 300)}`));
      });
    });
    req.on('error', reject);
    req.end(body);
  });
  const field = (name: string): string => {
    const value = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
    if (value === undefined) throw new Error(`AssumeRole's answer has no <${name}>`);
    return value;
  };
  return {
    roleArn,
    accessKeyId: field('AccessKeyId'),
    secretAccessKey: field('SecretAccessKey'),
    sessionToken: field('SessionToken'),
    arn: field('Arn'),
  };
}

/** The environment Lambda gives a function running as `creds`. */
export function lambdaCredentialsEnv(creds: RoleCredentials, region = 'us-east-1'): Record<string, string> {
  return {
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    AWS_SESSION_TOKEN: creds.sessionToken,
  };
}

/** The decoded attestation of a SIGNED_CALLER_IDENTITY login: the STS request the driver signed. */
export interface Attestation {
  url: string;
  method: string;
  headers: Record<string, string>;
}

export interface LoginProxy {
  readonly url: string;
  /** Every TOKEN the proxy saw (as sent, before any change): to scan the output for. */
  readonly tokens: string[];
  /** Changes the next logins' attestations (undefined: pass them on as they are). */
  tamper: ((attestation: Attestation) => Attestation) | undefined;
  close(): Promise<void>;
}

/** A loopback proxy to `target` (the local endpoint's URL) that sees, and may alter, each login's attestation. */
export async function startLoginProxy(target: string): Promise<LoginProxy> {
  const upstream = new URL(target);
  const proxy: LoginProxy = { url: '', tokens: [], tamper: undefined, close: async () => undefined };
  const server = await startLoopbackServer((req, received, res) => {
    let body = received;
    if ((req.url ?? '').startsWith('/session/v1/login-request')) {
      const login = JSON.parse(body.toString('utf8')) as { data: Record<string, unknown> };
      if (typeof login.data.TOKEN === 'string') {
        proxy.tokens.push(login.data.TOKEN);
        if (proxy.tamper) {
          const attestation = JSON.parse(Buffer.from(login.data.TOKEN, 'base64').toString('utf8')) as Attestation;
          login.data.TOKEN = Buffer.from(JSON.stringify(proxy.tamper(attestation)), 'utf8').toString('base64');
          body = Buffer.from(JSON.stringify(login), 'utf8');
        }
      }
    }
    const headers = { ...req.headers, 'host': upstream.host, 'content-length': String(body.length) };
    delete headers['content-encoding'];
    const forward = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    forward.on('error', () => res.destroy());
    forward.end(body);
  });
  return Object.assign(proxy, { url: server.url, close: server.close });
}
