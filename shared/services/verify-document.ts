import { createHash } from 'node:crypto';
import { VERIFICATION_REASON_TEXT, type VerificationView } from '../domain/verification-view';
import { VERIFICATION_INFO_KEY } from '../pdf/annotated-certificate';
import { getVerification } from '../repository/verifications';
import { checkPdfSignature } from '../signing/verify-pdf';
import { problem } from '../http/problem';
import { verifyRecord } from './verification';

/** Synchronous Lambda payloads are capped at 6 MB and the body arrives base64: 4 MiB of PDF fits. */
export const MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;

const CODE_IN_INFO = new RegExp(`/${VERIFICATION_INFO_KEY}\\s*\\(([A-Za-z0-9_-]{24})\\)`, 'g');

export interface DocumentVerification extends VerificationView {
  documentIntact: boolean;
  signature: { signed: boolean; valid: boolean; signerName?: string };
}

/**
 * `POST /v1/verify/document`: finds the annotation the PDF names, then checks two independent facts — the file's
 * SHA-256 equals the one recorded at issue, and its signature verifies and covers the whole file with the certificate
 * that signed it at issue. Either failing means the copy was altered.
 */
export async function verifyDocument(bytes: Uint8Array, now: Date): Promise<DocumentVerification> {
  const notOurs = () => problem('NOT_AN_ECERT', '该文件不是本系统出具的加注电子证书');
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  if (!text.startsWith('%PDF-')) throw notOurs();
  const codes = [...text.matchAll(CODE_IN_INFO)];
  const code = codes[codes.length - 1]?.[1];
  const record = code ? await getVerification(code) : undefined;
  const view = record && (await verifyRecord(record, now));
  if (!record || !view) throw notOurs();

  const shaMatches = createHash('sha256').update(bytes).digest('hex') === record.documentSha256;
  const signature = checkPdfSignature(bytes);
  const signatureValid =
    signature.signed &&
    signature.coversWholeFile &&
    signature.digestMatches &&
    signature.signatureValid &&
    (!record.signerFingerprint || signature.signerFingerprint === record.signerFingerprint);
  const documentIntact = shaMatches && signatureValid;
  const altered = documentIntact ? {} : { valid: false, reason: 'DOCUMENT_MODIFIED' as const, reasonText: VERIFICATION_REASON_TEXT.DOCUMENT_MODIFIED };
  return {
    ...view,
    ...altered,
    documentIntact,
    signature: {
      signed: signature.signed,
      valid: signatureValid,
      ...(signature.signerName ? { signerName: signature.signerName } : {}),
    },
  };
}
