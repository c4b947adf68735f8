import {
  CERTIFICATE_STATUS_LABELS,
  qualificationOf,
  requiresAnnotation,
  type Certificate,
} from './certificate';
import { ID_TYPE_LABELS, maskIdNumber } from './identity';

/** What both the holder's view and the public verification show of a certificate (never the full ID number). */
export interface CommonCertificateFields {
  certId: string;
  idType: Certificate['idType'];
  idTypeLabel: string;
  idNumberMasked: string;
  qualification: { code: string; name: string; level: string; specialty?: string };
  approvalDate: string;
  issuedAt: string;
  issuer: string;
  sealAuthority: 'MOHRSS' | 'INDUSTRY';
  status: Certificate['status'];
  statusLabel: string;
  revokedAt?: string;
}

/** The contract's `Certificate` (docs/api.md): what a holder sees of their own certificate. */
export interface CertificateView extends CommonCertificateFields {
  holderName: string;
  sealName: string;
  annotationRequired: boolean;
  hasElectronicFile: boolean;
}

/** The qualification as both views show it: catalogue name with the certificate's own level and specialty. */
export function qualificationView(cert: Certificate): CommonCertificateFields['qualification'] {
  const q = qualificationOf(cert);
  return { code: q.code, name: q.name, level: cert.level, ...(cert.specialty ? { specialty: cert.specialty } : {}) };
}

export function commonCertificateFields(cert: Certificate): CommonCertificateFields {
  return {
    certId: cert.certId,
    idType: cert.idType,
    idTypeLabel: ID_TYPE_LABELS[cert.idType],
    idNumberMasked: maskIdNumber(cert.idNumber),
    qualification: qualificationView(cert),
    approvalDate: cert.approvalDate,
    issuedAt: cert.issuedAt,
    issuer: cert.issuer,
    sealAuthority: qualificationOf(cert).sealAuthority,
    status: cert.status,
    statusLabel: CERTIFICATE_STATUS_LABELS[cert.status],
    ...(cert.revokedAt ? { revokedAt: cert.revokedAt } : {}),
  };
}

export function certificateView(cert: Certificate): CertificateView {
  return {
    ...commonCertificateFields(cert),
    holderName: cert.holderName,
    sealName: qualificationOf(cert).sealName,
    annotationRequired: requiresAnnotation(cert.issuedAt),
    hasElectronicFile: Boolean(cert.electronicFile),
  };
}

/**
 * R7: a holder sees the certificates whose ID type and number match theirs and whose name matches the registered
 * name exactly (both NFC, compared as stored).
 */
export const belongsTo = (cert: Certificate, holder: { name: string; idType: string }): boolean =>
  cert.idType === holder.idType && cert.holderName === holder.name;
