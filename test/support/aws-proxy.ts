/**
 * A loopback proxy in front of moto that counts AWS API calls and injects faults, so tests can
 * count Secrets Manager reads at the endpoint and see throttling, errors and timeouts through
 * the real AWS SDK and the real HTTP protocol.
 *
 * Point clients at `proxy.endpoint` (`awsEnvFor(proxy)`) instead of moto's.
 */
import * as http from 'node:http';
import { startLoopbackServer } from './loopback-server';
import type { MotoServer } from './moto';

export interface AwsCall {
  /** `secretsmanager.GetSecretValue`, `sts:GetCallerIdentity`, ... */
  readonly operation: string;
  /** The request's JSON body, when it has one (SecretId, VersionStage...). */
  readonly body: Record<string, unknown> | undefined;
  /** What the proxy did: forwarded, or the fault it injected. */
  readonly outcome: 'forwarded' | 'fault';
}

export interface AwsFault {
  /** Answer with this HTTP status and `{__type, message}` body (e.g. 400 ThrottlingException). */
  readonly status?: number;
  readonly type?: string;
  readonly message?: string;
  /** Instead of answering, hold the request this long (for client timeouts), then drop it. */
  readonly hangMs?: number;
  /** Close the connection without answering. */
  readonly reset?: boolean;
}

export interface AwsProxy {
  readonly endpoint: string;
  readonly calls: AwsCall[];
  /** Calls of one operation, e.g. count('secretsmanager.GetSecretValue'). */
  count(operation: string): number;
  /** The next `times` calls of `operation` get `fault` instead of moto's answer. */
  inject(operation: string, fault: AwsFault, times?: number): void;
  /** Every call of `operation` ('*' for all) is held this long before it is forwarded (0 to stop). */
  setLatency(operation: string, ms: number): void;
  clearFaults(): void;
  close(): Promise<void>;
}

export async function startAwsProxy(moto: MotoServer): Promise<AwsProxy> {
  const upstream = new URL(moto.endpoint);
  const calls: AwsCall[] = [];
  const faults: { operation: string; fault: AwsFault; remaining: number }[] = [];
  const latency = new Map<string, number>();

  const server = await startLoopbackServer((req, raw, res) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    let operation = target;
    let body: Record<string, unknown> | undefined;
    if (target) {
      // JSON protocol: "secretsmanager.GetSecretValue"
      try { body = JSON.parse(raw.toString('utf8')); } catch { body = undefined; }
    } else {
      // Query protocol (STS): Action=GetCallerIdentity&Version=...
      const params = new URLSearchParams(raw.toString('utf8'));
      operation = params.get('Action') ? `query:${params.get('Action')}` : `${req.method} ${req.url}`;
    }
    const slot = faults.find((f) => f.remaining > 0 && (f.operation === operation || f.operation === '*'));
    if (slot) {
      slot.remaining--;
      calls.push({ operation, body, outcome: 'fault' });
      const { fault } = slot;
      if (fault.reset) {
        req.socket.destroy();
        return;
      }
      if (fault.hangMs !== undefined) {
        setTimeout(() => req.socket.destroy(), fault.hangMs).unref();
        return;
      }
      res.writeHead(fault.status ?? 400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'fault' });
      res.end(JSON.stringify({ __type: fault.type ?? 'ThrottlingException', message: fault.message ?? 'Rate exceeded' }));
      return;
    }
    calls.push({ operation, body, outcome: 'forwarded' });
    const delay = (latency.get(operation) ?? 0) + (latency.get('*') ?? 0);
    setTimeout(() => forwardRequest(), delay);
    function forwardRequest(): void {
      const forward = http.request({
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      forward.on('error', () => res.destroy());
      forward.end(raw);
    }
  });

  return {
    endpoint: server.url,
    calls,
    count: (operation) => calls.filter((c) => c.operation === operation).length,
    inject: (operation, fault, times = 1) => { faults.push({ operation, fault, remaining: times }); },
    clearFaults: () => { faults.length = 0; },
    setLatency: (operation, ms) => { latency.set(operation, ms); },
    close: server.close,
  };
}
