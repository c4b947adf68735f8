import { createHash, createPublicKey, verify } from 'node:crypto';
import forge from 'node-forge';

/**
 * Checks the last signature of a PDF: the signed byte ranges cover the whole file except the signature itself, their
 * SHA-256 equals the signed messageDigest, and the RSA signature over the signed attributes verifies with the signer
 * certificate. Answers facts, never throws on hostile input.
 */
export interface PdfSignatureCheck {
  signed: boolean;
  /** Byte ranges cover the whole file (nothing appended or inserted after signing). */
  coversWholeFile: boolean;
  digestMatches: boolean;
  signatureValid: boolean;
  /** SHA-256 of the signer certificate (hex), when one is present. */
  signerFingerprint?: string;
  signerName?: string;
}

const NOT_SIGNED: PdfSignatureCheck = { signed: false, coversWholeFile: false, digestMatches: false, signatureValid: false };

export function checkPdfSignature(pdf: Uint8Array): PdfSignatureCheck {
  try {
    const text = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength).toString('latin1');
    const ranges = [...text.matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)];
    const last = ranges[ranges.length - 1];
    if (!last) return NOT_SIGNED;
    const [a, b, c, d] = last.slice(1, 5).map(Number) as [number, number, number, number];
    if (a !== 0 || b < 0 || c < b || c + d > pdf.length) return { ...NOT_SIGNED, signed: true };
    const hex = text.slice(b, c).replace(/^</, '').replace(/>$/, '').replace(/(00)+$/, '');
    const der = Buffer.from(hex.length % 2 ? `${hex}0` : hex, 'hex');
    const signedData = Buffer.concat([pdf.subarray(a, a + b), pdf.subarray(c, c + d)]);

    const message = forge.pkcs7.messageFromAsn1(forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')))) as unknown as {
      certificates: forge.pki.Certificate[];
      rawCapture: { signerInfos: forge.asn1.Asn1[] };
    };
    const signerInfo = message.rawCapture.signerInfos[0] as forge.asn1.Asn1 & { value: forge.asn1.Asn1[] };
    const signedAttrs = signerInfo.value.find((v) => v.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && v.type === 0);
    const signature = signerInfo.value[signerInfo.value.length - 1]!;
    const certificate = message.certificates[0];
    if (!signedAttrs || !certificate) return { ...NOT_SIGNED, signed: true };

    // The digest of the document, as signed.
    let messageDigest: Buffer | undefined;
    for (const attr of signedAttrs.value as forge.asn1.Asn1[]) {
      const [oid, values] = attr.value as forge.asn1.Asn1[];
      if (forge.asn1.derToOid(oid!.value as string) === forge.pki.oids.messageDigest) {
        messageDigest = Buffer.from(((values!.value as forge.asn1.Asn1[])[0]!.value as string), 'binary');
      }
    }
    const digestMatches = messageDigest !== undefined && createHash('sha256').update(signedData).digest().equals(messageDigest);

    // RFC 5652 §5.4: the signature covers the DER of the attributes with an explicit SET tag, not the [0] IMPLICIT.
    const attrsAsSet = forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.SET, true, signedAttrs.value as forge.asn1.Asn1[]);
    const attrsDer = Buffer.from(forge.asn1.toDer(attrsAsSet).getBytes(), 'binary');
    const certDer = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(certificate)).getBytes(), 'binary');
    const publicKey = createPublicKey({ key: forge.pki.publicKeyToPem(certificate.publicKey), format: 'pem' });
    const signatureValid = verify('sha256', attrsDer, publicKey, Buffer.from(signature.value as string, 'binary'));

    return {
      signed: true,
      coversWholeFile: c + d === pdf.length,
      digestMatches,
      signatureValid,
      signerFingerprint: createHash('sha256').update(certDer).digest('hex'),
      signerName: decodeUtf8(String(certificate.subject.getField('CN')?.value ?? '')),
    };
  } catch {
    return { ...NOT_SIGNED, signed: true };
  }
}

function decodeUtf8(binary: string): string {
  try {
    return forge.util.decodeUtf8(binary);
  } catch {
    return binary;
  }
}
