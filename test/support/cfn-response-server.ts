/**
 * A loopback HTTP server standing in for CloudFormation's pre-signed response URL: it records
 * every PUT body the custom resource sends.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

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
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += String(c); });
    req.on('end', () => {
      raw.push(body);
      bodies.set(decodeURIComponent((req.url ?? '/').slice(1)), req.method === 'PUT' ? JSON.parse(body) : { method: req.method });
      res.writeHead(200).end();
    });
  });
  let connections = 0;
  server.on('connection', () => { connections++; });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (key) => `http://127.0.0.1:${port}/${encodeURIComponent(key)}`,
    port,
    connections: () => connections,
    bodies,
    raw,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
