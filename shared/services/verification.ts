import { createHash, timingSafeEqual } from 'node:crypto';
import { verificationCodeCandidates } from '../domain/annotation';
import { isCertId, type Certificate } from '../domain/certificate';
import { normalizeIdNumber } from '../domain/identity';
import { verificationView, type VerificationView } from '../domain/verification-view';
import { getAnnotation } from '../repository/annotations';
import { getCertificate } from '../repository/certificates';
import { getVerification, type VerificationRecord } from '../repository/verifications';
import { problem } from '../http/problem';
import { NOT_FOUND_TEXT } from '../resources/schemas';
import { recordVerification } from './verification-counts';

/**
 * 查验 (verification), public: by code (what the PDF's QR code carries) and by the holder's particulars. One answer for
 * every kind of miss, so the public routes cannot be used to learn which codes or holders exist.
 */
export const verificationNotFound = () => problem('NOT_FOUND', NOT_FOUND_TEXT.verification);

export async function verifyRecord(record: VerificationRecord, now: Date): Promise<VerificationView | undefined> {
  const [certificate, annotation] = await Promise.all([
    getCertificate(record.certId),
    getAnnotation(record.certId, record.annotationId),
  ]);
  if (!certificate) return undefined;
  const view = verificationView(
    certificate,
    {
      annotationId: record.annotationId,
      scenario: record.scenario,
      validFrom: annotation?.validFrom ?? record.validFrom,
      validUntil: annotation?.validUntil ?? record.validUntil,
      ...(annotation ? { status: annotation.status } : {}),
    },
    now,
  );
  await recordVerification(certificate.qualificationCode, view.valid, now);
  return view;
}

/** `code` has a code's shape (the route's path schema): any case, with or without separators; unknown is the same 404. */
export async function verifyByCode(code: string, now: Date): Promise<VerificationView> {
  // A code issued before the Crockford format is looked up as it is.
  let record: VerificationRecord | undefined;
  for (const candidate of verificationCodeCandidates(code)) {
    record = await getVerification(candidate);
    if (record) break;
  }
  const view = record && (await verifyRecord(record, now));
  if (!view) throw verificationNotFound();
  return view;
}

/** 管理号 as typed: as stored, else upper-cased (the issued numbers are upper case; a typed "z2024…" is the same number). */
async function certificateByNumber(certId: string): Promise<Certificate | undefined> {
  const exact = await getCertificate(certId);
  if (exact || certId === certId.toUpperCase()) return exact;
  return getCertificate(certId.toUpperCase());
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
// Compared against when the certificate does not exist, so a miss costs what a mismatch costs.
const ABSENT = '\u0000absent';

/**
 * 查验 by management number, name and ID number. Each comparison runs on fixed-length digests with timingSafeEqual and
 * both always run; any mismatch, and an unknown certificate, give the same 404.
 */
export async function verifyByHolder(
  input: { certId: string; holderName: string; idNumber: string },
  now: Date,
): Promise<VerificationView> {
  const certificate: Certificate | undefined = isCertId(input.certId.trim())
    ? await certificateByNumber(input.certId.trim())
    : undefined;
  const nameMatches = timingSafeEqual(
    digest(input.holderName.normalize('NFC').trim()),
    digest(certificate?.holderName ?? ABSENT),
  );
  const idMatches = timingSafeEqual(digest(normalizeIdNumber(input.idNumber)), digest(certificate?.idNumber ?? ABSENT));
  if (!certificate || !(nameMatches && idMatches)) throw verificationNotFound();
  const view = verificationView(certificate, undefined, now);
  await recordVerification(certificate.qualificationCode, view.valid, now);
  return view;
}
