/**
 * src/runtime/shared/https.ts against a real HTTP server on loopback: what the SQL API client relied
 * on from `fetch` (kept-alive connections, decoded Content-Encoding, a timeout that rejects with the
 * signal's reason, network errors with their code), and that it is not `fetch`.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import * as zlib from 'node:zlib';
import { httpsRequest } from '../../../src/runtime/shared/https';
import { LoopbackServer, startLoopbackServer } from '../../support/loopback-server';

let server: LoopbackServer;
let base: string;
let handle: (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void;
const connections = () => server.connections();

beforeAll(async () => {
  server = await startLoopbackServer((req, body, res) => handle(req, body.toString('utf8'), res));
  base = server.url;
});

afterAll(() => server.close());

const JSON_TEXT = JSON.stringify({ rows: [['1', 'Ada'], ['2', 'Grace']], note: 'ünïcode ✓' });

test('sends the method, headers and body, and answers status, headers and text', async () => {
  let seen: { method?: string; auth?: string; type?: string; length?: string; encoding?: string; body?: string } = {};
  handle = (req, body, res) => {
    seen = { method: req.method, auth: req.headers.authorization, type: req.headers['content-type'], length: req.headers['content-length'], encoding: req.headers['accept-encoding'], body };
    res.writeHead(201, { 'content-type': 'application/json', 'x-two': ['a', 'b'] }).end(JSON_TEXT);
  };
  const body = JSON.stringify({ statement: 'SELECT \'é\'' });
  const answer = await httpsRequest(new URL('/api/v2/statements?requestId=1', base), {
    method: 'POST', headers: { 'Authorization': 'Bearer t', 'Content-Type': 'application/json' }, body,
  });
  expect(answer).toEqual({ status: 201, headers: expect.objectContaining({ 'content-type': 'application/json', 'x-two': 'a, b' }), text: JSON_TEXT });
  expect(seen).toEqual({ method: 'POST', auth: 'Bearer t', type: 'application/json', length: String(Buffer.byteLength(body)), encoding: 'gzip, deflate, br', body });
});

test('keeps the connection alive between requests, as fetch does (a warm function pays no new handshake)', async () => {
  handle = (_req, _body, res) => res.writeHead(200).end('{}');
  await httpsRequest(new URL('/a', base), { method: 'GET', headers: {} });
  const before = connections();
  for (let i = 0; i < 5; i++) await httpsRequest(new URL('/b', base), { method: 'GET', headers: {} });
  expect(connections()).toBe(before);
  // The control: a server that closes each connection makes the client open new ones.
  handle = (_req, _body, res) => res.writeHead(200, { connection: 'close' }).end('{}');
  await httpsRequest(new URL('/c', base), { method: 'GET', headers: {} });
  await httpsRequest(new URL('/d', base), { method: 'GET', headers: {} });
  expect(connections()).toBeGreaterThan(before);
});

describe('decodes the Content-Encoding (Snowflake gzips result partitions 1..n-1)', () => {
  test.each([
    ['gzip', zlib.gzipSync],
    ['deflate', zlib.deflateSync],
    ['br', zlib.brotliCompressSync],
  ] as const)('%s', async (encoding, compress) => {
    handle = (_req, _body, res) => res.writeHead(200, { 'content-encoding': encoding }).end(compress(Buffer.from(JSON_TEXT)));
    expect((await httpsRequest(new URL('/p', base), { method: 'GET', headers: {} })).text).toBe(JSON_TEXT);
  });

  test('(failing cases) a body that is not what its encoding says, and an encoding it does not know, reject', async () => {
    handle = (_req, _body, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end('not gzip');
    await expect(httpsRequest(new URL('/p', base), { method: 'GET', headers: {} })).rejects.toThrow(/header/i);
    handle = (_req, _body, res) => res.writeHead(200, { 'content-encoding': 'zstd' }).end('x');
    await expect(httpsRequest(new URL('/p', base), { method: 'GET', headers: {} })).rejects.toThrow(/"zstd", which this client does not decode/);
  });
});

describe('(failing cases) failures reject as fetch rejects, so the callers name them the same way', () => {
  test('a timeout rejects with the signal\'s reason: a TimeoutError', async () => {
    handle = () => undefined; // never answers
    const error = await httpsRequest(new URL('/slow', base), { method: 'GET', headers: {}, signal: AbortSignal.timeout(50) }).catch((e) => e);
    expect(error).toMatchObject({ name: 'TimeoutError' });
  });

  test('an already aborted signal sends nothing', async () => {
    const before = connections();
    const controller = new AbortController();
    controller.abort(new Error('stopped'));
    await expect(httpsRequest(new URL('/x', base), { method: 'GET', headers: {}, signal: controller.signal })).rejects.toThrow('stopped');
    expect(connections()).toBe(before);
  });

  test('a connection reset before the answer is complete rejects with code ECONNRESET', async () => {
    handle = (req, _body, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('{"partial":');
      setImmediate(() => req.socket.destroy());
    };
    await expect(httpsRequest(new URL('/reset', base), { method: 'GET', headers: {} })).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  test('a port nobody listens on rejects with code ECONNREFUSED', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(httpsRequest(new URL(`http://127.0.0.1:${port}/`), { method: 'GET', headers: {} })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  test('a URL that is neither https: nor http: is refused', async () => {
    await expect(httpsRequest(new URL('ftp://127.0.0.1/'), { method: 'GET', headers: {} })).rejects.toThrow(/Only https: \(and http: to loopback\) URLs/);
  });
});
