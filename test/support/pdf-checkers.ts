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

/** The last signature's CMS and the bytes its /ByteRange covers. */
export function signatureParts(pdf: Uint8Array): { cms: Buffer; signed: Buffer } {
  const bytes = Buffer.from(pdf);
  const text = bytes.toString('latin1');
  const match = [...text.matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)].pop();
  if (!match) throw new Error('no signature');
  const [a, b, c, d] = match.slice(1, 5).map(Number) as [number, number, number, number];
  const hex = text.slice(b + 1, c - 1);
  return { cms: Buffer.from(hex, 'hex'), signed: Buffer.concat([bytes.subarray(a, a + b), bytes.subarray(c, c + d)]) };
}

/** `openssl cms -verify` of the detached signature over the byte ranges, with `caPem` as the only trust anchor. */
export function opensslCmsVerify(pdf: Uint8Array, caPem: string): ToolRun {
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
    '-CAfile',
    tempFile('ca.pem', caPem),
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
