import { SignPdf } from '@signpdf/signpdf';
import { plainAddPlaceholder } from '@signpdf/placeholder-plain';
import { getSecret } from '../config/secrets';
import { NativeCmsSigner } from './cms-signer';
import { loadSigningKey, type LoadedSigningKey } from './key-material';

/**
 * The electronic seal as a cryptographic fact: a detached CMS signature (adbe.pkcs7.detached, as PDF readers and
 * poppler's pdfsig verify it) over the whole document, in an incremental update whose signature widget covers the
 * visible seal, so clicking the seal in a reader shows the signer.
 */
let keyPromise: Promise<LoadedSigningKey> | undefined;

export function signingKey(): Promise<LoadedSigningKey> {
  keyPromise ??= getSecret('signingKey').then(loadSigningKey);
  keyPromise.catch(() => (keyPromise = undefined));
  return keyPromise;
}

export function resetSigningKey(): void {
  keyPromise = undefined;
}

export interface SignatureOptions {
  /** Fixed (the annotation's application time): the same document then signs to the same bytes. */
  signingTime: Date;
  reason: string;
  name: string;
  location: string;
  contactInfo: string;
  /** [x1, y1, x2, y2] in PDF points: the visible seal. */
  widgetRect: [number, number, number, number];
}

const signer = new SignPdf();

export async function signPdf(pdf: Uint8Array, options: SignatureOptions, givenKey?: LoadedSigningKey): Promise<Uint8Array> {
  const key = givenKey ?? (await signingKey());
  const certificates = [key.certificateDer, ...key.chainDer].reduce((sum, der) => sum + der.length, 0);
  const withPlaceholder = plainAddPlaceholder({
    pdfBuffer: Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength),
    reason: options.reason,
    contactInfo: options.contactInfo,
    name: options.name,
    location: options.location,
    signingTime: options.signingTime,
    widgetRect: options.widgetRect,
    appName: 'ecert',
    // The placeholder is hex in the file: size it to what the CMS needs (certificates + a ≤ 4096-bit signature +
    // attributes) rather than a fixed 8 KiB, which would be most of the PDF.
    signatureLength: certificates + 1536,
  });
  const signed = await signer.sign(withPlaceholder, new NativeCmsSigner(key), options.signingTime);
  return new Uint8Array(signed.buffer, signed.byteOffset, signed.byteLength);
}
