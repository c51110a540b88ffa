/**
 * One HTTP request with `node:https` (or `node:http`, which endpoint overrides allow to loopback
 * only: endpoint-url.ts), for the bundles that make their own requests (the SQL API client).
 *
 * Why not the global `fetch`: Node loads its implementation (undici) on the first call, and that
 * raised the peak RSS of a process by about 20 MiB on Node 24 (`process.resourceUsage().maxRSS`
 * after twenty requests to a loopback server, fetch against node:http), and takes time to load, in a
 * function whose whole point is to load little (docs/design/sql-api-executor.md, "Why https, not
 * fetch"; the bench measures the executor's peak RSS).
 * This module keeps what the callers relied on from `fetch`:
 * - connections are kept alive between requests (one agent per module, as fetch's pool), so a
 *   warm function does not pay a TLS handshake per statement;
 * - `Content-Encoding` gzip, deflate and br are undone (Snowflake sends result partitions 1..n-1
 *   gzipped: docs/design/sql-api-executor.md), and the request says it accepts them, as fetch does;
 * - an aborted request rejects with the signal's reason (a `TimeoutError` for
 *   `AbortSignal.timeout`), and a network failure with Node's error and its `code` (ECONNRESET,
 *   ENOTFOUND...), which the callers name in their messages.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as zlib from 'node:zlib';

export interface HttpsRequest {
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  /** Aborts the request (and the reading of its answer); the promise rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

export interface HttpsAnswer {
  readonly status: number;
  /** Header values by lower-case name (repeated headers joined with ", "). */
  readonly headers: Record<string, string | undefined>;
  /** The body, decoded from its Content-Encoding, as UTF-8 text. */
  readonly text: string;
}

const agents = {
  'https:': new https.Agent({ keepAlive: true }),
  'http:': new http.Agent({ keepAlive: true }),
};

/** What `fetch` sends by itself, so the server compresses as it would for fetch. */
const ACCEPT_ENCODING = 'gzip, deflate, br';

/** Sends one request and reads the whole answer. */
export function httpsRequest(url: URL, request: HttpsRequest): Promise<HttpsAnswer> {
  const protocol = url.protocol as keyof typeof agents;
  if (!(protocol in agents)) return Promise.reject(new TypeError(`Only https: (and http: to loopback) URLs are sent, not ${url.protocol}`));
  const transport = protocol === 'https:' ? https : http;
  const { signal } = request;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<HttpsAnswer>((resolve, reject) => {
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      reject(error);
    };
    const req = transport.request(url, {
      method: request.method,
      agent: agents[protocol],
      headers: {
        'Accept-Encoding': ACCEPT_ENCODING,
        ...request.headers,
        ...(request.body !== undefined ? { 'Content-Length': String(Buffer.byteLength(request.body)) } : {}),
      },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      // A connection closed before the whole answer came: Node emits 'error' on the response, with
      // code ECONNRESET (its http docs, http.request: "premature connection close after the response is received").
      res.on('error', fail);
      res.on('end', () => {
        decode(Buffer.concat(chunks), res.headers['content-encoding']).then((body) => {
          if (settled) return;
          settled = true;
          signal?.removeEventListener('abort', onAbort);
          resolve({ status: res.statusCode ?? 0, headers: flatten(res.headers), text: body.toString('utf8') });
        }, fail);
      });
    });
    // As fetch: an aborted request rejects with the signal's reason (AbortSignal.timeout: a TimeoutError).
    const onAbort = () => {
      fail(signal!.reason);
      req.destroy();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', fail);
    req.end(request.body);
  });
}

function decode(body: Buffer, encoding: string | undefined): Promise<Buffer> {
  const how = (encoding ?? '').trim().toLowerCase();
  const done = (resolve: (b: Buffer) => void, reject: (e: unknown) => void) =>
    (error: Error | null, out: Buffer) => (error ? reject(error) : resolve(out));
  if (how === '' || how === 'identity') return Promise.resolve(body);
  return new Promise<Buffer>((resolve, reject) => {
    if (how === 'gzip' || how === 'x-gzip') zlib.gunzip(body, done(resolve, reject));
    else if (how === 'deflate') zlib.inflate(body, done(resolve, reject));
    else if (how === 'br') zlib.brotliDecompress(body, done(resolve, reject));
    else reject(new Error(`The answer is encoded with ${JSON.stringify(encoding)}, which this client does not decode`));
  });
}

function flatten(headers: http.IncomingHttpHeaders): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) out[name] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}
