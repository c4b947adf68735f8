import type { SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runOsTool } from './os-tools';

/**
 * Independent checkers of a signed PDF, each a tool nobody on the project wrote: poppler's pdfsig, qpdf, MuPDF's
 * mutool, OpenSSL's `cms -verify` (on the signed byte ranges) and `ts -verify` (on the time-stamp token). One place
 * calls them, so the CI setup (which installs them) and the tests agree on names and flags.
 */
export interface ToolRun {
  code: number | null;
  output: string;
}

/** Each call names its program literally (runOsTool): the test setup finds, and installs or reports, what is used. */
const toolRun = (out: SpawnSyncReturns<string>): ToolRun => ({ code: out.status, output: `${out.stdout}${out.stderr}` });

export function tempFile(name: string, bytes: Uint8Array | string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'ecert-check-')), name);
  writeFileSync(file, bytes);
  return file;
}

export const pdfsig = (pdf: Uint8Array): string => toolRun(runOsTool('pdfsig', [tempFile('doc.pdf', pdf)])).output;
export const qpdfCheck = (pdf: Uint8Array): ToolRun => toolRun(runOsTool('qpdf', ['--check', tempFile('doc.pdf', pdf)]));
export const mutoolVerify = (pdf: Uint8Array): string => toolRun(runOsTool('mutool', ['sign', '-v', tempFile('doc.pdf', pdf)])).output;
/** qpdf's JSON view of the objects (strings decoded: `u:` text strings), for structure checks. */
export function qpdfJson(pdf: Uint8Array): { objects: Record<string, unknown> } {
  const out = toolRun(runOsTool('qpdf', ['--json=2', '--json-key=qpdf', '--decode-level=none', tempFile('doc.pdf', pdf)]));
  const parsed = JSON.parse(out.output) as { qpdf: [unknown, Record<string, { value?: unknown; stream?: { dict: unknown } }>] };
  const objects: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(parsed.qpdf[1])) {
    if (key.startsWith('obj:')) objects[key.slice(4)] = entry.value ?? entry.stream?.dict;
  }
  return { objects };
}

/** The DER object at the start of `bytes`, without the zero padding the signature placeholder leaves after it. */
function derPrefix(bytes: Buffer): Buffer {
  if (bytes[0] !== 0x30) throw new Error('/Contents does not hold a DER SEQUENCE');
  const first = bytes[1]!;
  if (first < 0x80) return bytes.subarray(0, 2 + first);
  const lengthBytes = first & 0x7f;
  let length = 0;
  for (let i = 0; i < lengthBytes; i++) length = length * 256 + bytes[2 + i]!;
  return bytes.subarray(0, 2 + lengthBytes + length);
}

export interface SignatureParts {
  /** The CMS SignedData of the /Contents string (DER, padding cut off). */
  cms: Buffer;
  /** Exactly the bytes the /ByteRange names: the signed content, detached. */
  signed: Buffer;
  byteRange: [number, number, number, number];
  /** The ranges cover the whole file except the signature's own /Contents string. */
  coversWholeFile: boolean;
  /** /SubFilter of the signature dictionary, e.g. ETSI.CAdES.detached. */
  subFilter: string | undefined;
}

/** The last signature of a PDF, read as a verifier reads it (no code under test involved). */
export function signatureParts(pdf: Uint8Array): SignatureParts {
  const bytes = Buffer.from(pdf);
  const text = bytes.toString('latin1');
  const match = [...text.matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)].pop();
  if (!match) throw new Error('the PDF has no /ByteRange: not signed');
  const byteRange = match.slice(1, 5).map(Number) as [number, number, number, number];
  const [start, firstLength, secondStart, secondLength] = byteRange;
  const contents = text.slice(start + firstLength, secondStart);
  if (!/^<[0-9A-Fa-f]*>$/.test(contents)) throw new Error('the gap between the signed ranges is not a hex string');
  // The signature dictionary is the object the /Contents string sits in.
  const dictionary = text.slice(text.lastIndexOf(' obj', start + firstLength), text.indexOf('endobj', secondStart));
  return {
    cms: derPrefix(Buffer.from(contents.slice(1, -1), 'hex')),
    signed: Buffer.concat([bytes.subarray(start, start + firstLength), bytes.subarray(secondStart, secondStart + secondLength)]),
    byteRange,
    coversWholeFile: start === 0 && secondStart + secondLength === bytes.length,
    subFilter: /\/SubFilter\s*\/([A-Za-z0-9.]+)/.exec(dictionary)?.[1],
  };
}

/**
 * `openssl cms -verify` of the last signature over exactly the bytes its /ByteRange names — what poppler's pdfsig
 * checks for "Signature is Valid" (the digest of the signed ranges and the CMS signature over it), done by OpenSSL
 * instead of the code under test. With `caPem` the signer's chain must lead to it (the only trust anchor); without,
 * trust is not judged (`-noverify`), as pdfsig's validity line does not judge it either.
 */
export function opensslCmsVerify(pdf: Uint8Array, caPem?: string): ToolRun {
  const { cms, signed } = signatureParts(pdf);
  return toolRun(runOsTool('openssl', [
    'cms',
    '-verify',
    '-binary',
    '-inform',
    'DER',
    '-in',
    tempFile('sig.der', cms),
    '-content',
    tempFile('signed.bin', signed),
    ...(caPem === undefined ? ['-noverify'] : ['-CAfile', tempFile('ca.pem', caPem)]),
    '-out',
    '/dev/null',
  ]));
}

/** `openssl ts -verify` of a time-stamp token against the digest it should cover. */
export function opensslTsVerify(token: Uint8Array, digestHex: string, rootPem: string): ToolRun {
  return toolRun(runOsTool('openssl', ['ts', '-verify', '-in', tempFile('token.der', token), '-token_in', '-digest', digestHex, '-CAfile', tempFile('root.pem', rootPem)]));
}

/** `openssl ts -reply -text` of a token: what the TSA says it stamped and when. */
export const opensslTsText = (token: Uint8Array): string =>
  toolRun(runOsTool('openssl', ['ts', '-reply', '-in', tempFile('token.der', token), '-token_in', '-token_out', '-text'])).output;

/** `openssl verify` of a certificate chain: leaf, then untrusted intermediates, then the trust anchor. */
export function opensslVerifyChain(leafPem: string, anchorPem: string, untrustedPem?: string): ToolRun {
  return toolRun(runOsTool('openssl', [
    'verify',
    '-CAfile',
    tempFile('anchor.pem', anchorPem),
    ...(untrustedPem ? ['-untrusted', tempFile('untrusted.pem', untrustedPem)] : []),
    tempFile('leaf.pem', leafPem),
  ]));
}
