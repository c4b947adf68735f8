/**
 * A small DER (X.690) writer and reader: enough for the CMS, RFC 3161, X.509 and CRL structures the seal builds and
 * checks. Written here rather than borrowed because forge re-encodes what it parses (changing certificate bytes) and
 * cannot add unsigned attributes, and because a render builds several of these per PDF (speed matters).
 */

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

function lengthBytes(length: number): number[] {
  if (length < 0x80) return [length];
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

/** One TLV. `content` is the already-encoded value (or the concatenated children of a constructed type). */
export function tlv(tag: number, ...content: Uint8Array[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag, ...lengthBytes(body.length)]), body]);
}

export const seq = (...items: Uint8Array[]): Buffer => tlv(TAG.SEQUENCE, ...items);
/** A SET OF, sorted as DER requires (X.690 §11.6): the signed attributes' bytes must be canonical. */
export const setOf = (...items: Uint8Array[]): Buffer =>
  tlv(TAG.SET, ...[...items].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
/** Context-specific [n], constructed (EXPLICIT, or IMPLICIT of a constructed type). */
export const ctx = (n: number, ...items: Uint8Array[]): Buffer => tlv(0xa0 | n, ...items);
/** Context-specific [n], primitive (IMPLICIT of a primitive type). */
export const ctxPrim = (n: number, content: Uint8Array): Buffer => tlv(0x80 | n, content);
export const octets = (bytes: Uint8Array): Buffer => tlv(TAG.OCTET_STRING, bytes);
export const bits = (bytes: Uint8Array, unused = 0): Buffer => tlv(TAG.BIT_STRING, Buffer.from([unused]), bytes);
export const nul = (): Buffer => Buffer.from([TAG.NULL, 0]);
export const bool = (value: boolean): Buffer => Buffer.from([TAG.BOOLEAN, 1, value ? 0xff : 0]);
export const utf8 = (text: string): Buffer => tlv(TAG.UTF8_STRING, Buffer.from(text, 'utf8'));
export const printable = (text: string): Buffer => tlv(TAG.PRINTABLE_STRING, Buffer.from(text, 'latin1'));
export const ia5 = (text: string): Buffer => tlv(TAG.IA5_STRING, Buffer.from(text, 'latin1'));

export function oid(dotted: string): Buffer {
  // BigInt: UUID-based arcs (2.25.<128-bit>) do not fit a double.
  const parts = dotted.split('.').map(BigInt);
  const bytes: number[] = [Number(40n * parts[0]! + parts[1]!)];
  for (const part of parts.slice(2)) {
    const chunk: number[] = [Number(part & 0x7fn)];
    for (let n = part >> 7n; n > 0n; n >>= 7n) chunk.unshift(0x80 | Number(n & 0x7fn));
    bytes.push(...chunk);
  }
  return tlv(TAG.OID, Buffer.from(bytes));
}

/** An INTEGER from a non-negative bigint, number or big-endian unsigned bytes (a leading 0 is added when needed). */
export function int(value: bigint | number | Uint8Array): Buffer {
  let bytes: Buffer;
  if (value instanceof Uint8Array) {
    bytes = Buffer.from(value);
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0 && bytes[start + 1]! < 0x80) start++;
    bytes = bytes.subarray(start);
  } else {
    let hex = BigInt(value).toString(16);
    if (hex.length % 2) hex = `0${hex}`;
    bytes = Buffer.from(hex, 'hex');
  }
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(TAG.INTEGER, bytes);
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** GeneralizedTime with milliseconds when there are any (RFC 3161 genTime; RFC 5280 wants whole seconds). */
export function generalizedTime(date: Date, millis = false): Buffer {
  const base = `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}`;
  const ms = date.getUTCMilliseconds();
  const fraction = millis && ms > 0 ? `.${pad(ms, 3).replace(/0+$/, '')}` : '';
  return tlv(TAG.GENERALIZED_TIME, Buffer.from(`${base}${fraction}Z`, 'latin1'));
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
export function x509Time(date: Date): Buffer {
  const year = date.getUTCFullYear();
  if (year >= 2050) return generalizedTime(date);
  const text = `${pad(year % 100)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}Z`;
  return tlv(TAG.UTC_TIME, Buffer.from(text, 'latin1'));
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

export interface Node {
  tag: number;
  /** Offset of the TLV in the buffer it was read from. */
  start: number;
  /** Offset of the value. */
  valueStart: number;
  end: number;
  /** The whole TLV, bytes as they are (for hashing exactly what was signed). */
  raw: Buffer;
  value: Buffer;
  constructed: boolean;
}

export class DerError extends Error {
  override name = 'DerError';
}

export function read(buffer: Uint8Array, offset = 0): Node {
  const bytes = Buffer.isBuffer(buffer) ? buffer : Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  if (offset + 2 > bytes.length) throw new DerError('truncated');
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not used here');
  let length = bytes[offset + 1]!;
  let valueStart = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new DerError('unsupported length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[valueStart + i]!;
    valueStart += count;
  }
  const end = valueStart + length;
  if (end > bytes.length) throw new DerError('truncated');
  return {
    tag,
    start: offset,
    valueStart,
    end,
    raw: bytes.subarray(offset, end),
    value: bytes.subarray(valueStart, end),
    constructed: (tag & 0x20) !== 0,
  };
}

/** The children of a constructed node. */
export function children(node: Node): Node[] {
  const out: Node[] = [];
  for (let at = 0; at < node.value.length; ) {
    const child = read(node.value, at);
    out.push(child);
    at = child.end;
  }
  return out;
}

export function readOid(node: Node): string {
  if (node.tag !== TAG.OID) throw new DerError('not an OID');
  const bytes = node.value;
  const parts: bigint[] = [BigInt(Math.floor(bytes[0]! / 40)), BigInt(bytes[0]! % 40)];
  let value = 0n;
  for (const byte of bytes.subarray(1)) {
    value = (value << 7n) | BigInt(byte & 0x7f);
    if (!(byte & 0x80)) {
      parts.push(value);
      value = 0n;
    }
  }
  return parts.join('.');
}

export function readTime(node: Node): Date {
  const text = node.value.toString('latin1');
  const m = /^(\d{2}|\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d+))?Z$/.exec(text);
  if (!m) throw new DerError(`unsupported time ${text}`);
  let year = Number(m[1]);
  if (m[1]!.length === 2) year += year < 50 ? 2000 : 1900;
  const ms = m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), Math.round(ms)));
}

export const readInteger = (node: Node): bigint => BigInt(`0x${node.value.toString('hex') || '0'}`);
