/**
 * An HTTP server on 127.0.0.1 for tests that stand in for a peer (a response URL, Snowflake, AWS,
 * a proxy): it reads each request's whole body, hands it to `handle`, counts the TCP connections
 * it accepted, and on close destroys the sockets still open (kept-alive clients included), so
 * that closing never waits for a client.
 */
import * as http from 'node:http';
import type * as net from 'node:net';

export interface LoopbackServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** TCP connections accepted so far, whatever they sent: 0 means nobody called. */
  connections(): number;
  close(): Promise<void>;
}

export async function startLoopbackServer(
  handle: (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse) => void,
): Promise<LoopbackServer> {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, Buffer.concat(chunks), res));
  });
  server.on('connection', (socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}
