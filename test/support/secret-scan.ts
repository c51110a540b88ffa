/**
 * Scans synthesized output (templates, asset manifests, logs, responses) for secret material:
 * PEM armour, base64 key material and passphrase or private-key values.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';

export interface Finding {
  readonly where: string;
  readonly what: string;
}

const PEM = /-----BEGIN [A-Z ]*(PRIVATE|PUBLIC) KEY-----/;
/** Runs of base64 long enough to hold a key (an RSA-2048 SPKI is 392 characters). */
const BASE64_RUN = /[A-Za-z0-9+/]{100,}={0,2}/g;
/** Encrypted PKCS#8 (EncryptedPrivateKeyInfo with PBES2): SEQUENCE, SEQUENCE, OID 1.2.840.113549.1.5.13. */
const PBES2_OID = Buffer.from('06092a864886f70d01050d', 'hex');
const SECRET_KEYS = /^(privateKey|private_key|passphrase|password|privateKeyPassphrase)$/i;

/** What a base64 run decodes to. */
export function classifyBase64(run: string): 'private key' | 'public key' | 'unknown blob' {
  const der = Buffer.from(run, 'base64');
  for (const type of ['pkcs8', 'pkcs1'] as const) {
    try {
      createPrivateKey({ key: der, format: 'der', type });
      return 'private key';
    } catch { /* not this type */ }
  }
  if (der.subarray(0, 32).includes(PBES2_OID)) return 'private key';
  try {
    createPublicKey({ key: der, format: 'der', type: 'spki' });
    return 'public key';
  } catch {
    return 'unknown blob';
  }
}

/**
 * Scans a string (for example captured logs) for key material and the given known values.
 * Public keys are reported only when `allowPublicKeys` is false.
 */
export function scanText(text: string, where: string, knownSecrets: string[] = [], allowPublicKeys = true): Finding[] {
  const findings: Finding[] = [];
  if (PEM.test(text)) findings.push({ where, what: 'PEM armour' });
  for (const run of text.match(BASE64_RUN) ?? []) {
    const kind = classifyBase64(run);
    if (kind === 'private key' || (kind === 'public key' && !allowPublicKeys) || (kind === 'unknown blob' && run.length >= 200)) {
      findings.push({ where, what: `base64 ${kind}` });
    }
  }
  for (const secret of knownSecrets) {
    if (secret.length >= 8 && text.includes(secret)) findings.push({ where, what: 'a known secret value' });
  }
  return findings;
}

/**
 * Scans a parsed JSON document (a template or manifest) string by string, and its keys. A string
 * that holds JSON (a SecretString, a custom resource's serialized property) is scanned as a
 * document too, and the literal parts of an `Fn::Join` are joined first, so a key split across
 * them is still whole.
 */
export function scanJson(doc: unknown, where: string, knownSecrets: string[] = [], allowPublicKeys = false): Finding[] {
  const findings: Finding[] = [];
  const visit = (node: unknown, pointer: string) => {
    if (typeof node === 'string') {
      findings.push(...scanText(node, `${where}${pointer}`, knownSecrets, allowPublicKeys));
      const inner = embeddedJson(node);
      if (inner !== undefined) findings.push(...scanJson(inner, `${where}${pointer}(json)`, knownSecrets, allowPublicKeys));
    } else if (Array.isArray(node)) {
      node.forEach((item, i) => visit(item, `${pointer}/${i}`));
    } else if (node && typeof node === 'object') {
      const join = (node as Record<string, unknown>)['Fn::Join'];
      if (Array.isArray(join) && Array.isArray(join[1])) {
        const literal = join[1].map((part: unknown) => (typeof part === 'string' ? part : '')).join(typeof join[0] === 'string' ? join[0] : '');
        visit(literal, `${pointer}/Fn::Join(joined)`);
      }
      for (const [key, value] of Object.entries(node)) {
        if (SECRET_KEYS.test(key) && typeof value === 'string' && value.length > 0) {
          findings.push({ where: `${where}${pointer}/${key}`, what: `a literal ${key} value` });
        }
        visit(value, `${pointer}/${key}`);
      }
    }
  };
  visit(doc, '');
  return findings;
}

/** The JSON object or array a string holds, if it holds one. */
function embeddedJson(text: string): unknown {
  const trimmed = text.trim();
  if (!/^[[{]/.test(trimmed)) return undefined;
  try {
    return JSON.parse(trimmed);
  } catch {
    return undefined;
  }
}
