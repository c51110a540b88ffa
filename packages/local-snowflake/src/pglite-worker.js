/**
 * Runs PGlite in a worker thread for the local Snowflake endpoint (engine.ts), which terminates
 * the worker to stop it.
 *
 * Why a worker: PGlite loads its WebAssembly with dynamic import(), which Jest's module sandbox
 * refuses without --experimental-vm-modules; a worker thread is plain Node. It also keeps a
 * long statement from blocking the endpoint's HTTP server.
 *
 * Protocol (one message at a time from engine.ts, which serialises access):
 *   → { id, sql, params, raw }   ← { id, result: { fields, rows, affectedRows, notices } } | { id, error }
 * `raw`: rows as arrays of PostgreSQL's text (no value parsing, parameters passed as text).
 * Plain JavaScript on purpose: a worker does not go through the TypeScript transform.
 */
'use strict';
const { parentPort } = require('node:worker_threads');
const { PGlite } = require('@electric-sql/pglite');

/** OIDs PGlite would parse or serialize; raw mode keeps PostgreSQL's text both ways. */
const RAW_OIDS = [0, 16, 17, 20, 21, 23, 25, 26, 114, 700, 701, 1042, 1043, 1082, 1083, 1114, 1184, 1700, 3802];
const rawParsers = Object.fromEntries(RAW_OIDS.map((oid) => [oid, (x) => x]));
const rawSerializers = Object.fromEntries(RAW_OIDS.map((oid) => [oid, (x) => String(x)]));

const ready = (async () => {
  const pg = new PGlite();
  await pg.waitReady;
  return pg;
})();

parentPort.on('message', async (message) => {
  const { id } = message;
  try {
    const pg = await ready;
    const notices = [];
    const options = message.raw
      ? { rowMode: 'array', parsers: rawParsers, serializers: rawSerializers, onNotice: (n) => notices.push({ code: n.code, message: n.message }) }
      : { onNotice: (n) => notices.push({ code: n.code, message: n.message }) };
    const result = await pg.query(message.sql, message.params || [], options);
    parentPort.postMessage({
      id,
      result: { fields: result.fields, rows: result.rows, affectedRows: result.affectedRows ?? 0, notices },
    });
  } catch (e) {
    parentPort.postMessage({
      id,
      error: {
        name: e && e.name,
        message: e && e.message ? e.message : String(e),
        code: e && e.code,
        position: e && e.position,
        detail: e && e.detail,
        severity: e && e.severity,
      },
    });
  }
});
