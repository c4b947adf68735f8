import { findQualification, type Qualification, type SealAuthority } from './qualifications';
import type { IdType } from './identity';

/** R1: certificates made on or after this date are e-certificates and need an annotation to be viewed. */
export const E_CERTIFICATE_START_DATE = '2021-12-17';

/** A certificate id (管理号) as stored: 1–40 ASCII letters, digits or hyphens. */
export const CERT_ID_MAX = 40;
export const CERT_ID_PATTERN = new RegExp(`^[A-Za-z0-9-]{1,${CERT_ID_MAX}}$`);
export const isCertId = (value: string): boolean => CERT_ID_PATTERN.test(value);

export type CertificateStatus = 'VALID' | 'REVOKED';

export const CERTIFICATE_STATUS_LABELS: Record<CertificateStatus, string> = {
  VALID: '有效',
  REVOKED: '已撤销',
};

/** A certificate as the operator loads it (the import columns, docs/cli.md), after validation and normalisation. */
export interface CertificateRecord {
  certId: string;
  holderName: string;
  idType: IdType;
  idNumber: string;
  qualificationCode: string;
  level: string;
  specialty?: string;
  approvalDate: string;
  issuedAt: string;
  issuer: string;
  /** Contact on record (issue 11), E.164. Stored for sending only; never part of a Certificate or any view. */
  mobile?: string;
  /** Contact on record, domain lower-cased. Same rules as mobile. */
  email?: string;
}

/** The contact fields of an import record: kept apart from the stored Certificate so no view can spread them. */
export type ContactField = 'mobile' | 'email';

/** A stored certificate: the record (without its contact on record) plus what the service keeps about it. */
export interface Certificate extends Omit<CertificateRecord, ContactField> {
  status: CertificateStatus;
  revokedAt?: string;
  revocationReason?: string;
  electronicFile?: { key: string; sha256: string; size: number };
  importedAt: string;
  updatedAt: string;
}

export const requiresAnnotation = (issuedAt: string): boolean => issuedAt.slice(0, 10) >= E_CERTIFICATE_START_DATE;

export function qualificationOf(cert: Pick<CertificateRecord, 'qualificationCode'>): Qualification {
  const q = findQualification(cert.qualificationCode);
  // Records are validated against the catalogue on import; a miss here means the catalogue lost an entry.
  if (!q) throw new Error(`qualification ${cert.qualificationCode} is not in the catalogue`);
  return q;
}

export const sealAuthorityOf = (cert: Pick<CertificateRecord, 'qualificationCode'>): SealAuthority =>
  qualificationOf(cert).sealAuthority;
