/**
 * Structured logs for Lambda's JSON log format: one JSON object a line, every string redacted.
 */
import { redact } from './redact';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** Writes one log line. Values are redacted after serialisation, so nested strings are covered. */
export function log(level: LogLevel, message: string, fields: Record<string, unknown> = {}): void {
  const line = redact(JSON.stringify({ level, message, ...fields }));
  if (level === 'ERROR' || level === 'WARN') {
    process.stderr.write(`${line}\n`);
  } else {
    process.stdout.write(`${line}\n`);
  }
}
