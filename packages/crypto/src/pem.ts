export interface PemBlock {
  type: string;
  der: Buffer;
}

const BEGIN = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n/;

/** Go `pem.Encode` layout: 64-character base64 lines, LF endings, trailing LF, no headers. */
export function encodePem(type: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${type}-----\n${lines.join('\n')}${lines.length ? '\n' : ''}-----END ${type}-----\n`;
}

/**
 * Returns the first PEM block, as Go `pem.Decode` does for the sigstore loaders. Returns undefined when no
 * well-formed block exists. PEM headers (Proc-Type etc.) are rejected: no cosign file carries them.
 */
export function decodeFirstPem(text: string): PemBlock | undefined {
  const begin = BEGIN.exec(text);
  if (!begin) return undefined;
  const type = begin[1] ?? '';
  const start = begin.index + begin[0].length;
  const endMarker = `-----END ${type}-----`;
  const end = text.indexOf(endMarker, start);
  if (end < 0) return undefined;
  const body = text.slice(start, end).replace(/\r?\n/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0) return undefined;
  return { type, der: Buffer.from(body, 'base64') };
}

/**
 * Strict standard base64 (padding required) that tolerates CR/LF anywhere, as Go's decoder does;
 * signatures attached with `cosign attach signature` sometimes carry an embedded newline.
 */
export function decodeBase64Strict(text: string): Buffer | undefined {
  const compact = text.replace(/[\r\n]/g, '');
  if (compact.length === 0 || compact.length % 4 !== 0) return undefined;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return undefined;
  return Buffer.from(compact, 'base64');
}
