import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runOsTool } from './os-tools';

/**
 * The last signature of a PDF checked by an independent verifier: OpenSSL's `cms -verify` over exactly the bytes the
 * signature's /ByteRange names (the signed content, detached). This is what poppler's pdfsig checks for
 * "Signature is Valid" (the digest of the signed ranges and the CMS signature over it), done by OpenSSL instead of the
 * code under test (shared/signing/verify-pdf.ts) — and the certificate's trust is not judged here, as pdfsig's
 * validity line does not either.
 */
export interface SignatureCheck {
  /** /SubFilter of the signature dictionary, e.g. adbe.pkcs7.detached. */
  subFilter: string | undefined;
  byteRange: [number, number, number, number];
  /** The ranges cover the whole file except the signature's own /Contents string. */
  coversWholeFile: boolean;
  /** OpenSSL verified the signature over the signed ranges. */
  valid: boolean;
  /** What OpenSSL said (its "CMS Verification successful" or its error lines). */
  opensslOutput: string;
}

/** The DER object at the start of `bytes`, without the zero padding the placeholder leaves after it. */
function derPrefix(bytes: Uint8Array): Uint8Array {
  if (bytes[0] !== 0x30) throw new Error('/Contents does not hold a DER SEQUENCE');
  const first = bytes[1]!;
  if (first < 0x80) return bytes.subarray(0, 2 + first);
  const lengthBytes = first & 0x7f;
  let length = 0;
  for (let i = 0; i < lengthBytes; i++) length = length * 256 + bytes[2 + i]!;
  return bytes.subarray(0, 2 + lengthBytes + length);
}

export function checkPdfSignature(pdf: Uint8Array): SignatureCheck {
  const text = Buffer.from(pdf).toString('latin1');
  const ranges = [...text.matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)];
  const last = ranges.at(-1);
  if (!last) throw new Error('the PDF has no /ByteRange: not signed');
  const byteRange = last.slice(1, 5).map(Number) as [number, number, number, number];
  const [start, firstLength, secondStart, secondLength] = byteRange;
  const contents = text.slice(start + firstLength, secondStart);
  if (!/^<[0-9A-Fa-f]*>$/.test(contents)) throw new Error('the gap between the signed ranges is not a hex string');
  const der = derPrefix(Buffer.from(contents.slice(1, -1), 'hex'));
  // The signature dictionary is the object the /Contents string sits in.
  const dictionary = text.slice(text.lastIndexOf(' obj', start + firstLength), text.indexOf('endobj', secondStart));
  const subFilter = /\/SubFilter\s*\/([A-Za-z0-9.]+)/.exec(dictionary)?.[1];

  const dir = mkdtempSync(join(tmpdir(), 'ecert-sig-'));
  try {
    const signed = Buffer.concat([pdf.subarray(start, start + firstLength), pdf.subarray(secondStart, secondStart + secondLength)]);
    writeFileSync(join(dir, 'signed.bin'), signed);
    writeFileSync(join(dir, 'signature.der'), der);
    const result = runOsTool('openssl', [
      'cms', '-verify', '-binary', '-inform', 'DER', '-in', join(dir, 'signature.der'),
      '-content', join(dir, 'signed.bin'), '-noverify', '-out', join(dir, 'out.bin'),
    ]);
    return {
      subFilter,
      byteRange,
      coversWholeFile: start === 0 && secondStart + secondLength === pdf.length,
      valid: result.status === 0 && /Verification successful/.test(result.stderr),
      opensslOutput: `${result.stdout}${result.stderr}`.trim(),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
