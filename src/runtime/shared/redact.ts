/**
 * The one redaction point: every message that can carry user data passes through here
 * before it is logged or returned to CloudFormation.
 */

const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(-----END [A-Z0-9 ]+-----|$)/g;
/** Long base64 runs: DER keys and anything else that looks like key material. */
const BASE64_RUN = /[A-Za-z0-9+/_-]{80,}={0,2}/g;

const known = new Set<string>();

/** Registers a value (a private key, a passphrase) that must never appear in output. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 8) {
    known.add(value);
    // The same value as it appears inside JSON strings.
    known.add(JSON.stringify(value).slice(1, -1));
  }
}

/** Removes key material and registered secrets from a message. */
export function redact(text: string): string {
  let out = text;
  for (const value of known) {
    out = out.split(value).join('[REDACTED]');
  }
  return out.replace(PEM_BLOCK, '[REDACTED PEM]').replace(BASE64_RUN, '[REDACTED]');
}

/** The message of any thrown value, redacted. */
export function errorMessage(error: unknown): string {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return redact(message);
}
