import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { verifyCredential, type QualificationCredential } from '../credentials/credential';
import { qualificationOf, type Certificate } from '../domain/certificate';
import { VERIFICATION_REASON_TEXT, type VerificationView } from '../domain/verification-view';
import { VERIFICATION_INFO_KEY } from '../pdf/annotated-certificate';
import { getCertificate } from '../repository/certificates';
import { getVerification, type VerificationRecord } from '../repository/verifications';
import { checkPdfSignature, expandObjectStreams, signatureChain, type PdfSignatureCheck } from '../signing/verify-pdf';
import { problem } from '../http/problem';
import type { DocumentCredentialReport, DocumentSignatureReport } from '../resources/responses';
import { verifyRecord } from './verification';

/** Synchronous Lambda payloads are capped at 6 MB and the body arrives base64: 4 MiB of PDF fits. */
export const MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;

// A Crockford code (20) or one issued before it (24 base64url characters).
const CODE_IN_INFO = new RegExp(`/${VERIFICATION_INFO_KEY}\\s*\\(([A-Za-z0-9_-]{20}|[A-Za-z0-9_-]{24})\\)`, 'g');

/** What `POST /v1/verify/document` adds to `Verification` (API.md keeps `documentIntact`; the rest is added). */
export interface DocumentVerification extends VerificationView {
  documentIntact: boolean;
  signature: z.infer<typeof DocumentSignatureReport>;
  credential: z.infer<typeof DocumentCredentialReport>;
}

/**
 * `POST /v1/verify/document`: finds the annotation the PDF names, then checks independent facts — the file's
 * SHA-256 equals the one recorded at issue; its signature verifies over the signed revision with the certificate
 * recorded at issue and nothing but validation data (the DSS) follows it — and reports the PAdES facts a validator
 * would (level, time-stamp, certification) and whether the embedded credential matches the particulars.
 */
export async function verifyDocument(bytes: Uint8Array, now: Date): Promise<DocumentVerification> {
  const notOurs = () => problem('NOT_AN_ECERT', '该文件不是本系统出具的加注电子证书');
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  if (!text.startsWith('%PDF-')) throw notOurs();
  // The first revision's code (the Info dictionary may sit in an object stream): a later update cannot re-point the
  // document at another record.
  const code = [...`${text}${expandObjectStreams(text)}`.matchAll(CODE_IN_INFO)][0]?.[1];
  const record = code ? await getVerification(code) : undefined;
  const view = record && (await verifyRecord(record, now));
  if (!record || !view) throw notOurs();

  const shaMatches = createHash('sha256').update(bytes).digest('hex') === record.documentSha256;
  const check = checkPdfSignature(bytes);
  const signatureValid =
    check.signed &&
    check.digestMatches &&
    check.signatureValid &&
    check.coverage !== 'PARTIAL' &&
    !check.modifiedAfterSigning &&
    (!record.signerFingerprint || check.signerFingerprint === record.signerFingerprint);
  const credential = await credentialReport(bytes, check, record);
  const documentIntact = shaMatches && signatureValid;
  const altered = documentIntact ? {} : { valid: false, reason: 'DOCUMENT_MODIFIED' as const, reasonText: VERIFICATION_REASON_TEXT.DOCUMENT_MODIFIED };
  return {
    ...view,
    ...altered,
    documentIntact,
    signature: {
      signed: check.signed,
      valid: signatureValid,
      ...(check.signerName ? { signerName: check.signerName } : {}),
      ...(check.subFilter ? { subFilter: check.subFilter } : {}),
      padesLevel: check.padesLevel ?? null,
      ...(check.claimedSigningTime ? { claimedSigningTime: check.claimedSigningTime } : {}),
      timestamp: check.timestamp ?? null,
      certification: {
        certified: check.certification !== undefined,
        permission: check.certification?.permission ?? null,
        respected: check.certification?.respected ?? !check.modifiedAfterSigning,
      },
      coverage: check.coverage ?? null,
      modifiedAfterSigning: check.modifiedAfterSigning,
      longTermValidation: check.dss
        ? {
            certificates: check.dss.certificates,
            crls: check.dss.crls,
            complete: check.dss.signerRevocationData && check.dss.timestampRevocationData,
          }
        : null,
    },
    credential,
  };
}

async function credentialReport(
  bytes: Uint8Array,
  check: PdfSignatureCheck,
  record: VerificationRecord,
): Promise<z.infer<typeof DocumentCredentialReport>> {
  if (!check.credentialJwt) return { present: false, valid: false, matchesParticulars: false, mismatches: [] };
  // The credential must be signed by the same key as the PDF (the same container certificate, the same CA chain).
  const result = await verifyCredential(check.credentialJwt, signatureChain(bytes));
  const valid = result.valid && result.signerFingerprint === check.signerFingerprint;
  const certificate = await getCertificate(record.certId);
  const mismatches = result.credential && certificate ? particularMismatches(result.credential, certificate, record) : ['credential'];
  return { present: true, valid, matchesParticulars: valid && mismatches.length === 0, mismatches };
}

/** The fields of the credential that differ from the particulars the document was issued with. */
export function particularMismatches(vc: QualificationCredential, cert: Certificate, record: VerificationRecord): string[] {
  const subject = vc.credentialSubject;
  const q = qualificationOf(cert);
  const expected: Array<[string, unknown, unknown]> = [
    ['holderName', subject?.name, cert.holderName],
    ['certificateNumber', subject?.certificateNumber, cert.certId],
    ['qualification', subject?.qualification?.code, q.code],
    ['level', subject?.qualification?.level, cert.level],
    ['specialty', subject?.qualification?.specialty, cert.specialty],
    ['approvalDate', subject?.approvalDate, cert.approvalDate],
    ['issuedAt', subject?.issuedAt, cert.issuedAt],
    ['issuingAuthority', subject?.issuingAuthority, cert.issuer],
    ['annotationId', subject?.annotation?.id, record.annotationId],
    ['scenario', subject?.annotation?.scenario, record.scenario],
    ['validFrom', vc.validFrom, record.validFrom],
    ['validUntil', vc.validUntil, record.validUntil],
  ];
  return expected.filter(([, got, want]) => got !== want).map(([name]) => name);
}
