/**
 * "Sealed" JSON files: a JSON object that carries its format version and a SHA-256 of its content, so
 * that a damaged one (a flipped bit, a torn or truncated write, another file's bytes) is told from a
 * good one before anything in it is used.
 *
 * Sealing puts two members in front of the object's own, so the file stays the same JSON object for
 * any JSON tool (and for a release that knows nothing of sealing: it sees its fields where they were):
 *
 *     {"format":2,"sha256":"<64 lowercase hex>","id":"…","body":{…}}
 *
 * The hash covers `<kind>/<format>\n` followed by every byte after the header (the object's members and
 * its closing `}`), so that neither a file of another kind (a trial-run note dropped among outbox
 * entries) nor a changed version number passes. Reading does not parse before checking: it matches the
 * fixed header strictly and hashes the rest, so every byte of the file is either in the header or
 * hashed; any prefix of a sealed file (what a torn write leaves) hashes to another value. Writing costs
 * one hash over the object's text.
 */
import { createHash } from 'node:crypto';

/** The fixed start of every sealed file, also how an unsealed (older) file is told apart. */
const HEADER_START = '{"format":';
/** The whole header, strictly: no spaces, a canonical version number, lowercase hex. */
const HEADER = /^\{"format":(0|[1-9][0-9]{0,8}),"sha256":"([0-9a-f]{64})",/;
/** The header's longest possible length (for the bytes to decode before matching it). */
const HEADER_MAX = HEADER_START.length + 9 + ',"sha256":"'.length + 64 + '",'.length;
const CLOSE = 0x7d; // '}'

/** The result of opening a file that may be sealed. */
export type Opened =
  /** A good sealed file: its format, and the object's JSON text as it was sealed. */
  | { state: 'sealed'; format: number; text: string }
  /** Not a sealed file at all (no sealed header): maybe a file of an earlier version. */
  | { state: 'unsealed' }
  /**
   * A sealed file that is damaged, or of a format this release does not read (`format` is then set: a
   * newer release may have written it); `reason` says which.
   */
  | { state: 'damaged'; reason: string; format?: number };

function digest(kind: string, format: number, members: Uint8Array | string): string {
  return createHash('sha256').update(`${kind}/${format}\n`).update(members).digest('hex');
}

/**
 * The content of a sealed file of `kind` in `format` holding `object`: the JSON text of an object with
 * at least one member, without the members `format` and `sha256`.
 */
export function seal(kind: string, format: number, object: string): string {
  if (!object.startsWith('{') || object.startsWith('{}'))
    throw new Error('seal: only a JSON object with members can be sealed');
  const members = object.slice(1);
  return `{"format":${format},"sha256":"${digest(kind, format, members)}",${members}`;
}

/**
 * Opens `bytes` as a sealed file of `kind`, accepting the `formats` listed. An empty file, a damaged
 * header, a format not listed, a hash that does not match and content that is not UTF-8 are `damaged`;
 * a file that does not start like a sealed one is `unsealed` (the caller decides whether that is an
 * older file or garbage).
 */
export function openSealed(bytes: Uint8Array, kind: string, formats: readonly number[]): Opened {
  if (bytes.length === 0) return { state: 'damaged', reason: 'the file is empty' };
  const start = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, HEADER_MAX)).toString(
    'latin1',
  );
  if (!start.startsWith(HEADER_START) && !HEADER_START.startsWith(start)) return { state: 'unsealed' };
  const header = HEADER.exec(start);
  if (!header) return { state: 'damaged', reason: 'its checksum header is damaged or cut short' };
  const format = Number(header[1]);
  if (!formats.includes(format)) {
    return {
      state: 'damaged',
      reason: `it is in format ${format}, which this release does not read (it reads ${formats.join(', ')})`,
      format,
    };
  }
  const members = bytes.subarray(header[0].length);
  if (digest(kind, format, members) !== header[2]) {
    // Both are damage; the missing end only names the likelier cause.
    const cut = members.length === 0 || members[members.length - 1] !== CLOSE;
    return {
      state: 'damaged',
      reason: cut
        ? 'it is cut short (a torn or truncated write)'
        : 'its checksum does not match its content (damaged or torn)',
    };
  }
  try {
    return {
      state: 'sealed',
      format,
      text: `{${new TextDecoder('utf-8', { fatal: true }).decode(members)}`,
    };
  } catch {
    // Only a writer that wrote bad bytes and hashed them gets here.
    return { state: 'damaged', reason: 'its content is not UTF-8 text' };
  }
}
