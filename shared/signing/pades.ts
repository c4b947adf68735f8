import { createHash } from 'node:crypto';

/**
 * PAdES at the byte level (ISO 32000-2 §12.8, ETSI EN 319 142-1): fill the /ByteRange and /Contents placeholders that
 * the renderer wrote (shared/pdf/signature-field.ts) — the byte ranges cover the whole file except the signature
 * value. The file is written once, by pdf-lib, with its xref offsets; nothing is appended after signing.
 */
export const BYTE_RANGE_PLACEHOLDER = [0, 1111111111, 2222222222, 3333333333] as const;
// As pdf-lib writes an array: spaces inside the brackets.
const BYTE_RANGE_TEXT = Buffer.from(`/ByteRange [ ${BYTE_RANGE_PLACEHOLDER.join(' ')} ]`, 'latin1');

export class SignatureTooLargeError extends Error {
  override name = 'SignatureTooLargeError';
  constructor(readonly needed: number) {
    super(`the signature needs ${needed} bytes, more than the placeholder holds`);
  }
}

interface Placeholders {
  byteRangeAt: number;
  /** Offset of '<' of /Contents and of the byte after '>'. */
  contentsStart: number;
  contentsEnd: number;
}

function locate(pdf: Buffer): Placeholders {
  const byteRangeAt = pdf.lastIndexOf(BYTE_RANGE_TEXT);
  if (byteRangeAt < 0) throw new Error('no signature placeholder in the PDF');
  const contentsKey = pdf.indexOf('/Contents <', byteRangeAt, 'latin1');
  if (contentsKey < 0) throw new Error('no /Contents placeholder after /ByteRange');
  const contentsStart = contentsKey + '/Contents '.length;
  const contentsEnd = pdf.indexOf('>', contentsStart, 'latin1') + 1;
  return { byteRangeAt, contentsStart, contentsEnd };
}

/**
 * Writes the byte ranges, hands their SHA-256 to `sign` (which returns the CMS, timestamp included) and puts the
 * CMS into /Contents. Throws SignatureTooLargeError (with the size needed) when the placeholder is too small.
 */
export async function embedSignature(pdf: Buffer, sign: (digest: Buffer) => Promise<Buffer>): Promise<Buffer> {
  const out = Buffer.from(pdf);
  const { byteRangeAt, contentsStart, contentsEnd } = locate(out);
  const range = [0, contentsStart, contentsEnd, out.length - contentsEnd];
  const text = `/ByteRange [ ${range.join(' ')} ]`;
  out.write(text.padEnd(BYTE_RANGE_TEXT.length, ' '), byteRangeAt, 'latin1');
  const digest = createHash('sha256').update(out.subarray(0, contentsStart)).update(out.subarray(contentsEnd)).digest();
  const cms = await sign(digest);
  const capacity = (contentsEnd - contentsStart - 2) / 2;
  if (cms.length > capacity) throw new SignatureTooLargeError(cms.length);
  out.write(cms.toString('hex'), contentsStart + 1, 'latin1');
  return out;
}

/** What the Document Security Store holds (shared/pdf/dss.ts writes it into the signed revision). */
export interface ValidationData {
  certificates: readonly Buffer[];
  crls: readonly Buffer[];
}
