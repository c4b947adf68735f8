import { createHash } from 'node:crypto';

/**
 * PAdES at the byte level (ISO 32000-2 §12.8, ETSI EN 319 142-1): fill the /ByteRange and /Contents placeholders that
 * the renderer wrote (shared/pdf/signature-field.ts) — the byte ranges cover the whole file except the signature
 * value — and append the Document Security Store (certificates and CRLs for long-term validation, B-LT) as an
 * incremental update with exact xref offsets.
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

// ---------------------------------------------------------------------------------------------------------------
// Incremental update: the DSS

interface Trailer {
  startxref: number;
  size: number;
  root: number;
  rest: string;
  offsets: Map<number, number>;
}

/** Reads the last trailer and xref table of a file written with a classic xref table (as the renderer writes it). */
export function readLastTrailer(pdf: Buffer): Trailer {
  const tail = pdf.subarray(Math.max(0, pdf.length - 1024)).toString('latin1');
  const match = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(tail);
  if (!match) throw new Error('no startxref at the end of the file');
  const startxref = Number(match[1]);
  const section = pdf.subarray(startxref, pdf.indexOf('trailer', startxref, 'latin1')).toString('latin1');
  if (!section.startsWith('xref')) throw new Error('startxref does not point at an xref table');
  const offsets = new Map<number, number>();
  const lines = section.split(/\r?\n/).slice(1);
  for (let i = 0; i < lines.length; ) {
    const head = /^(\d+) (\d+)\s*$/.exec(lines[i]!);
    if (!head) {
      i++;
      continue;
    }
    const [first, count] = [Number(head[1]), Number(head[2])];
    for (let k = 0; k < count; k++) {
      const entry = lines[i + 1 + k]!;
      if (entry[17] === 'n') offsets.set(first + k, Number(entry.slice(0, 10)));
    }
    i += count + 1;
  }
  const trailerAt = pdf.indexOf('trailer', startxref, 'latin1');
  const dict = pdf.subarray(trailerAt, pdf.indexOf('startxref', trailerAt, 'latin1')).toString('latin1');
  const size = Number(/\/Size (\d+)/.exec(dict)?.[1]);
  const root = Number(/\/Root (\d+) 0 R/.exec(dict)?.[1]);
  if (!size || !root) throw new Error('the trailer has no /Size or /Root');
  // Everything the new trailer repeats: /Info and /ID (PDF/A wants /ID in every trailer).
  const info = /\/Info \d+ 0 R/.exec(dict)?.[0] ?? '';
  const id = /\/ID\s*\[[^\]]*\]/.exec(dict)?.[0] ?? '';
  return { startxref, size, root, rest: `${info} ${id}`.trim(), offsets };
}

export interface ValidationData {
  certificates: readonly Buffer[];
  crls: readonly Buffer[];
}

/**
 * Appends a revision that adds /DSS to the catalog (ETSI EN 319 142-1 §5.4.2; without VRI, which PAdES no longer
 * needs): one stream per certificate and CRL. Nothing else changes, which is what a validator allows after a DocMDP
 * P=1 certification ("LTA updates").
 */
export function appendDss(pdf: Buffer, data: ValidationData): Buffer {
  const trailer = readLastTrailer(pdf);
  const catalogAt = trailer.offsets.get(trailer.root);
  if (catalogAt === undefined) throw new Error('the catalog is not in the last xref table');
  const catalogEnd = pdf.indexOf('endobj', catalogAt, 'latin1');
  const catalogText = pdf.subarray(catalogAt, catalogEnd).toString('latin1');
  const open = catalogText.indexOf('<<');
  const close = catalogText.lastIndexOf('>>');
  if (open < 0 || close < 0 || catalogText.includes('/DSS')) throw new Error('unexpected catalog');
  const body = catalogText.slice(open + 2, close);

  const parts: Buffer[] = [pdf.at(-1) === 0x0a ? Buffer.alloc(0) : Buffer.from('\n')];
  let position = pdf.length + parts[0]!.length;
  const entries: Array<[number, number]> = [];
  const push = (objectNumber: number, chunk: Buffer) => {
    entries.push([objectNumber, position]);
    parts.push(chunk);
    position += chunk.length;
  };
  let next = trailer.size;
  const streamRefs = (items: readonly Buffer[]) =>
    items.map((bytes) => {
      const number = next++;
      push(
        number,
        Buffer.concat([Buffer.from(`${number} 0 obj\n<< /Length ${bytes.length} >>\nstream\n`, 'latin1'), bytes, Buffer.from('\nendstream\nendobj\n', 'latin1')]),
      );
      return `${number} 0 R`;
    });
  const certs = streamRefs(data.certificates);
  const crls = streamRefs(data.crls);
  const dssNumber = next++;
  push(
    dssNumber,
    Buffer.from(`${dssNumber} 0 obj\n<< /Type /DSS /Certs [${certs.join(' ')}] /CRLs [${crls.join(' ')}] >>\nendobj\n`, 'latin1'),
  );
  push(trailer.root, Buffer.from(`${trailer.root} 0 obj\n<<${body}/DSS ${dssNumber} 0 R\n>>\nendobj\n`, 'latin1'));

  const xrefAt = position;
  entries.sort((a, b) => a[0] - b[0]);
  let xref = 'xref\n';
  for (let i = 0; i < entries.length; ) {
    let j = i;
    while (j + 1 < entries.length && entries[j + 1]![0] === entries[j]![0] + 1) j++;
    xref += `${entries[i]![0]} ${j - i + 1}\n`;
    for (let k = i; k <= j; k++) xref += `${String(entries[k]![1]).padStart(10, '0')} 00000 n \n`;
    i = j + 1;
  }
  xref += `trailer\n<< /Size ${next} /Root ${trailer.root} 0 R ${trailer.rest} /Prev ${trailer.startxref} >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  parts.push(Buffer.from(xref, 'latin1'));
  return Buffer.concat([pdf, ...parts]);
}
