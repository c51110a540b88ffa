/**
 * moto's server for the package's own tests: the STS and IAM that issue the AWS credentials a
 * workload-identity login is signed with. The same server the library's tests start
 * (test/support/moto.ts at the repository root; this package cannot import the library's tests):
 * `.venv/bin/moto_server`, installed by scripts/ensure-deps.sh from requirements-dev.txt.
 *
 * AWS calls go over moto's query protocol with plain HTTP (no AWS SDK in this package): moto's
 * server runs with authentication off, routes a request by its Host header, and takes the caller's
 * account from the access key in `authorization` (unknown keys: the default account 123456789012).
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';

const REPO = path.resolve(__dirname, '..', '..', '..');
const MOTO = path.join(REPO, '.venv', 'bin', 'moto_server');

/** moto's default account. */
export const ACCOUNT = '123456789012';

export interface Moto {
  readonly endpointUrl: string;
  stop(): Promise<void>;
}

/** Credentials as STS or IAM issued them. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Temporary credentials only. */
  readonly sessionToken?: string;
  /** The caller ARN STS gives for them. */
  readonly arn: string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Starts moto's server on a free loopback port and waits until it answers. */
export async function startMoto(): Promise<Moto> {
  if (!fs.existsSync(MOTO)) {
    throw new Error(`moto_server not found at ${MOTO}. Run ./scripts/test.sh (or scripts/ensure-deps.sh) to install the Python test tools.`);
  }
  const port = await freePort();
  const child: ChildProcess = spawn(MOTO, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => { stderr += String(chunk); });
  const endpointUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}: ${stderr.slice(-2000)}`);
    try {
      const res = await fetch(`${endpointUrl}/moto-api/`);
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not answer on ${endpointUrl} within 30 s: ${stderr.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    endpointUrl,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

/** One query-protocol action; resolves with the XML answer, rejects on an error answer. */
async function action(moto: Moto, service: 'iam' | 'sts', params: Record<string, string>): Promise<string> {
  const target = new URL(moto.endpointUrl);
  const body = new URLSearchParams({ ...params, Version: service === 'iam' ? '2010-05-08' : '2011-06-15' }).toString();
  const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = http.request({
      host: target.hostname,
      port: target.port,
      method: 'POST',
      path: '/',
      headers: {
        'host': `${service}.amazonaws.com`,
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': String(Buffer.byteLength(body)),
        'authorization': `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=00`,
      },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
  if (answer.status !== 200) throw new Error(`${service} ${params.Action} answered ${answer.status}: ${answer.text.slice(0, 500)}`);
  return answer.text;
}

function field(xml: string, name: string): string {
  const value = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
  if (value === undefined) throw new Error(`no <${name}> in ${xml.slice(0, 300)}`);
  return value;
}

/** IAM CreateRole; the role ARN. Creating it gives the role a stable id in moto (not needed to assume it). */
export async function createRole(moto: Moto, name: string, rolePath = '/'): Promise<string> {
  const xml = await action(moto, 'iam', {
    Action: 'CreateRole',
    RoleName: name,
    Path: rolePath,
    AssumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    }),
  });
  return field(xml, 'Arn');
}

/** STS AssumeRole, as Lambda does for a function's execution role: temporary credentials. */
export async function assumeRole(moto: Moto, roleArn: string, sessionName: string): Promise<AwsCredentials> {
  const xml = await action(moto, 'sts', { Action: 'AssumeRole', RoleArn: roleArn, RoleSessionName: sessionName });
  return {
    accessKeyId: field(xml, 'AccessKeyId'),
    secretAccessKey: field(xml, 'SecretAccessKey'),
    sessionToken: field(xml, 'SessionToken'),
    arn: field(xml, 'Arn'),
  };
}

/** IAM CreateUser + CreateAccessKey: a long-term (static) key of an IAM user. */
export async function createUserKey(moto: Moto, userName: string): Promise<AwsCredentials> {
  const user = await action(moto, 'iam', { Action: 'CreateUser', UserName: userName });
  const key = await action(moto, 'iam', { Action: 'CreateAccessKey', UserName: userName });
  return { accessKeyId: field(key, 'AccessKeyId'), secretAccessKey: field(key, 'SecretAccessKey'), arn: field(user, 'Arn') };
}

/**
 * Runs `fn` with the process environment a Lambda function has for these credentials (AWS_REGION,
 * AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN: the runtime's reserved variables,
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html), plus `extra`, and
 * restores the environment after. The driver signs in-process, reading them at each login.
 */
export async function withAwsEnv<T>(creds: AwsCredentials, extra: Record<string, string>, fn: () => Promise<T>, region = 'us-east-1'): Promise<T> {
  const names = ['AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_CREDENTIAL_EXPIRATION', ...Object.keys(extra)];
  const saved = Object.fromEntries(names.map((n) => [n, process.env[n]]));
  for (const n of names) delete process.env[n];
  Object.assign(process.env, extra, {
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    ...(creds.sessionToken !== undefined ? { AWS_SESSION_TOKEN: creds.sessionToken } : {}),
  });
  try {
    return await fn();
  } finally {
    for (const n of names) {
      if (saved[n] === undefined) delete process.env[n];
      else process.env[n] = saved[n];
    }
  }
}
