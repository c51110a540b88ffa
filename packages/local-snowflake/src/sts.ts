/**
 * The local STS a workload-identity login is checked against: moto's server, which the tests start
 * and which issued the credentials (AssumeRole, or IAM CreateAccessKey for a static key).
 *
 * - The secret key and session token of an access key id come from moto's state dump,
 *   `GET /moto-api/data.json` (moto/moto_api/_internal/responses.py): `iam.AccessKey[]` holds
 *   every key moto issued with its `secret_access_key` (AssumeRole's temporary keys included),
 *   `sts.AssumedRole[]` the temporary ones with their `session_token`. Real Snowflake has no such
 *   access: it only forwards the request to STS. The endpoint needs the secret because moto cannot
 *   verify a driver's signature itself (see workload-identity.ts).
 * - Who the caller is comes from STS itself: the signed request is replayed to moto's
 *   GetCallerIdentity (moto/sts/responses.py `get_caller_identity`, which finds the caller by the
 *   access key in `authorization`; the Host header routes the request to moto's STS), as
 *   Snowflake replays it to AWS.
 * Nothing here logs or returns a secret: the caller gets a secret only to verify a signature.
 */
import * as http from 'node:http';
import type { CallerIdentityAttestation } from './workload-identity';

/** Where the local STS is: moto's server URL, e.g. `http://127.0.0.1:PORT`. */
export interface LocalStsOptions {
  readonly endpointUrl: string;
}

/** What the STS issued for an access key id. */
export interface IssuedCredentials {
  readonly secretAccessKey: string;
  /** Present for temporary credentials (AssumeRole); undefined for an IAM user's static key. */
  readonly sessionToken?: string;
}

export class LocalSts {
  constructor(private readonly opts: LocalStsOptions) {}

  /** The credentials moto issued for this access key id, or undefined when it issued none. */
  async credentialsFor(accessKeyId: string): Promise<IssuedCredentials | undefined> {
    const res = await fetch(new URL('/moto-api/data.json', this.opts.endpointUrl));
    if (!res.ok) throw new Error(`local STS state answered HTTP ${res.status}`);
    const data = await res.json() as {
      iam?: { AccessKey?: { access_key_id?: string; secret_access_key?: string; status?: string }[] };
      sts?: { AssumedRole?: { access_key_id?: string; secret_access_key?: string; session_token?: string }[] };
    };
    const assumed = data.sts?.AssumedRole?.find((r) => r.access_key_id === accessKeyId);
    if (assumed?.secret_access_key) return { secretAccessKey: assumed.secret_access_key, sessionToken: assumed.session_token };
    const key = data.iam?.AccessKey?.find((k) => k.access_key_id === accessKeyId && k.status !== 'Inactive');
    return key?.secret_access_key ? { secretAccessKey: key.secret_access_key } : undefined;
  }

  /**
   * Sends the signed request to the local STS, as Snowflake sends it to AWS: same method, query,
   * and headers (Host included), empty body. Resolves with the caller's ARN, or rejects with STS's
   * answer (code only).
   */
  async callerArn(att: CallerIdentityAttestation): Promise<string> {
    const target = new URL(this.opts.endpointUrl);
    const source = new URL(att.url);
    const body = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request({
        host: target.hostname,
        port: target.port,
        method: 'POST',
        path: `${source.pathname}${source.search}`,
        headers: { ...att.headers, 'content-length': '0' },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    const arn = /<Arn>([^<]+)<\/Arn>/.exec(body.text)?.[1];
    if (body.status !== 200 || !/<GetCallerIdentityResult>/.test(body.text) || !arn) {
      const code = /<Code>([^<]{1,100})<\/Code>/.exec(body.text)?.[1];
      throw new Error(`STS GetCallerIdentity answered HTTP ${body.status}${code ? ` ${code}` : ''}`);
    }
    return arn;
  }
}
