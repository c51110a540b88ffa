/**
 * The one redaction point: every message that can carry user data passes through here
 * before it is logged or returned to CloudFormation.
 *
 * Three nets, from the most to the least specific:
 * - registered values (a private key, a passphrase, a password), wherever they appear;
 * - registered key material by fragment: any base64 run that shares FRAGMENT characters with a
 *   registered key, in any of its forms, is removed whole, so a key cut short or quoted in part
 *   cannot pass;
 * - anything that looks like key material: PEM blocks and long base64 runs.
 */

const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(-----END [A-Z0-9 ]+-----|$)/g;
/** Long base64 runs: DER keys and anything else that looks like key material. */
const BASE64_RUN = /[A-Za-z0-9+/_-]{80,}={0,2}/g;
/**
 * The shortest fragment of a registered key that is redacted. 12 base64 characters carry 72
 * random bits: they never occur in ordinary text by chance, and any longer quote contains one.
 */
export const FRAGMENT = 12;
const FRAGMENT_RUN = new RegExp(`[A-Za-z0-9+/=]{${FRAGMENT},}`, 'g');
/** Values this long are redacted wherever they appear; shorter ones only as a whole token. */
const ANYWHERE = 8;

const known = new Set<string>();
const shortKnown = new Set<string>();
/** Every FRAGMENT-character window of every registered key's base64, whatever its line breaks. */
const fragments = new Set<string>();

/**
 * Registers a value (a private key, a passphrase, a password) that must never appear in output.
 * There is no length floor: a short value is redacted where it stands as a token of its own.
 */
export function registerSecret(value: string | undefined): void {
  if (!value) return;
  // The same value as it appears inside JSON strings.
  for (const form of new Set([value, JSON.stringify(value).slice(1, -1)])) {
    (form.length >= ANYWHERE ? known : shortKnown).add(form);
  }
}

/**
 * Registers key material (a PEM, a PEM body or part of one, base64 DER, base64 of a PEM file):
 * the value itself, each of its lines, and every fragment of its base64.
 */
export function registerKeyMaterial(value: string | undefined): void {
  if (!value) return;
  registerSecret(value);
  const text = value.replace(/\\r\\n|\\n|\\r/g, '\n');
  const body = text
    .replace(/-----(BEGIN|END) [A-Z0-9 ]+-----/g, '\n')
    .split(/\r?\n/)
    .filter((line) => !/^[A-Za-z-]+:/.test(line.trim())) // Proc-Type:, DEK-Info: headers
    .map((line) => line.trim());
  for (const line of body) registerSecret(line.length >= ANYWHERE ? line : undefined);
  const base64 = body.join('').replace(/[^A-Za-z0-9+/=]/g, '');
  for (let i = 0; i + FRAGMENT <= base64.length; i++) fragments.add(base64.slice(i, i + FRAGMENT));
}

/** Whether a base64 run shares a fragment with registered key material. */
function holdsFragment(run: string): boolean {
  for (let i = 0; i + FRAGMENT <= run.length; i++) {
    if (fragments.has(run.slice(i, i + FRAGMENT))) return true;
  }
  return false;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Removes key material and registered secrets from a message. */
export function redact(text: string): string {
  let out = text;
  for (const value of known) {
    out = out.split(value).join('[REDACTED]');
  }
  for (const value of shortKnown) {
    out = out.replace(new RegExp(`(?<![A-Za-z0-9+/=_-])${escapeRegExp(value)}(?![A-Za-z0-9+/=_-])`, 'g'), '[REDACTED]');
  }
  if (fragments.size > 0) {
    out = out.replace(FRAGMENT_RUN, (run) => (holdsFragment(run) ? '[REDACTED]' : run));
  }
  return out.replace(PEM_BLOCK, '[REDACTED PEM]').replace(BASE64_RUN, '[REDACTED]');
}

/** The message of any thrown value, redacted. */
export function errorMessage(error: unknown): string {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return redact(message);
}
