/**
 * A loopback HTTP server standing in for CloudFormation's pre-signed response URL: it records
 * every PUT body the custom resource sends.
 */
import { startLoopbackServer } from './loopback-server';

export interface ResponseServer {
  readonly url: (key: string) => string;
  /** The loopback port, for URLs the tests build themselves (https to it, say). */
  readonly port: number;
  readonly bodies: Map<string, Record<string, unknown>>;
  readonly raw: string[];
  /** How many TCP connections reached the server, whatever they sent: 0 means nobody called it. */
  connections(): number;
  close(): Promise<void>;
}

export async function startResponseServer(): Promise<ResponseServer> {
  const bodies = new Map<string, Record<string, unknown>>();
  const raw: string[] = [];
  const server = await startLoopbackServer((req, data, res) => {
    const body = data.toString('utf8');
    raw.push(body);
    bodies.set(decodeURIComponent((req.url ?? '/').slice(1)), req.method === 'PUT' ? JSON.parse(body) : { method: req.method });
    res.writeHead(200).end();
  });
  return {
    url: (key) => `${server.url}/${encodeURIComponent(key)}`,
    port: server.port,
    connections: server.connections,
    bodies,
    raw,
    close: server.close,
  };
}
