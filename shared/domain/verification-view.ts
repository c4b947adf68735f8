import { ANNOTATION_STATUS_LABELS, deriveStatus, type AnnotationStatus } from './annotation';
import type { Certificate } from './certificate';
import { maskHolderName, maskIdNumberPublic } from './identity';
import { findScenario } from './scenarios';
import { commonCertificateFields, type CommonCertificateFields } from './certificate-view';

/**
 * The public answer of 查验 (docs/api.md `Verification`). Never the full name or ID number: the name keeps its surname, the
 * ID number its first and last character only (maskIdNumberPublic). `valid` is true only for a VALID certificate and, where an annotation is concerned, a READY
 * one inside its window; otherwise `reason` says why.
 */
export type VerificationReason = 'CERTIFICATE_REVOKED' | 'ANNOTATION_EXPIRED' | 'ANNOTATION_NOT_READY' | 'DOCUMENT_MODIFIED';

export const VERIFICATION_REASON_TEXT: Record<VerificationReason, string> = {
  CERTIFICATE_REVOKED: '证书已撤销，该证书及其加注件均已失效',
  ANNOTATION_EXPIRED: '加注件已过期，不能作为有效证明使用',
  ANNOTATION_NOT_READY: '加注件尚未生成或生成失败',
  DOCUMENT_MODIFIED: '文件与签发时不一致（已被修改），电子印章无效',
};

export interface AnnotationFacts {
  annotationId: string;
  scenario: string;
  validFrom: string;
  validUntil: string;
  /** Stored status; `undefined` when the annotation item is gone (TTL) and only the verification record remains. */
  status?: 'PENDING' | 'READY' | 'FAILED';
}

export interface VerificationView {
  valid: boolean;
  reason?: VerificationReason;
  reasonText?: string;
  certificate: CommonCertificateFields & { holderNameMasked: string };
  annotation?: {
    annotationId: string;
    scenario: string;
    scenarioLabel: string;
    validFrom: string;
    validUntil: string;
    status: AnnotationStatus;
    statusLabel: string;
  };
  checkedAt: string;
}

export function verificationView(cert: Certificate, annotation: AnnotationFacts | undefined, now: Date): VerificationView {
  const certificate: VerificationView['certificate'] = {
    ...commonCertificateFields(cert),
    idNumberMasked: maskIdNumberPublic(cert.idNumber),
    holderNameMasked: maskHolderName(cert.holderName),
  };
  let view: VerificationView['annotation'];
  let reason: VerificationReason | undefined = cert.status === 'REVOKED' ? 'CERTIFICATE_REVOKED' : undefined;
  if (annotation) {
    // An annotation TTL already removed can only have been READY: verification records are written with READY.
    const status = deriveStatus({ status: annotation.status ?? 'READY', validUntil: annotation.validUntil }, cert, now);
    view = {
      annotationId: annotation.annotationId,
      scenario: annotation.scenario,
      scenarioLabel: findScenario(annotation.scenario)?.label ?? annotation.scenario,
      validFrom: annotation.validFrom,
      validUntil: annotation.validUntil,
      status,
      statusLabel: ANNOTATION_STATUS_LABELS[status],
    };
    reason ??= status === 'EXPIRED' ? 'ANNOTATION_EXPIRED' : status === 'READY' ? undefined : 'ANNOTATION_NOT_READY';
  }
  return {
    valid: reason === undefined,
    ...(reason ? { reason, reasonText: VERIFICATION_REASON_TEXT[reason] } : {}),
    certificate,
    ...(view ? { annotation: view } : {}),
    checkedAt: now.toISOString(),
  };
}
