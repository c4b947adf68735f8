import {
  ANNOTATION_STATUS_LABELS,
  deriveStatus,
  type Annotation,
  type AnnotationStatus,
} from './annotation';
import type { Certificate } from './certificate';
import { findScenario } from './scenarios';

/** The contract's `Annotation` (docs/api.md): what a holder sees of one annotation, its status derived on every read (R6). */
export interface AnnotationView {
  annotationId: string;
  certId: string;
  scenario: string;
  scenarioLabel: string;
  validDays: number;
  appliedAt: string;
  validFrom: string;
  validUntil: string;
  status: AnnotationStatus;
  statusLabel: string;
  /** Shown once the document exists and is (or was) usable: READY or EXPIRED. */
  verificationCode?: string;
  /** Facts about the rendered document, shown once it was rendered. */
  documentSha256?: string;
  documentSize?: number;
  failureReason?: string;
  /** Expiry reminders were asked for (they go to the verified contact; docs/accounts.md). */
  remind: boolean;
}

export function annotationView(
  annotation: Annotation,
  certificate: Pick<Certificate, 'status'>,
  now: Date,
): AnnotationView {
  const status = deriveStatus(annotation, certificate, now);
  const view: AnnotationView = {
    annotationId: annotation.annotationId,
    certId: annotation.certId,
    scenario: annotation.scenario,
    scenarioLabel: findScenario(annotation.scenario)?.label ?? annotation.scenario,
    validDays: annotation.validDays,
    appliedAt: annotation.appliedAt,
    validFrom: annotation.validFrom,
    validUntil: annotation.validUntil,
    status,
    statusLabel: ANNOTATION_STATUS_LABELS[status],
    remind: annotation.remind === true,
  };
  if (status === 'READY' || status === 'EXPIRED') view.verificationCode = annotation.verificationCode;
  if (annotation.status === 'READY') {
    if (annotation.documentSha256 !== undefined) view.documentSha256 = annotation.documentSha256;
    if (annotation.documentSize !== undefined) view.documentSize = annotation.documentSize;
  }
  if (annotation.status === 'FAILED' && annotation.failureReason !== undefined) view.failureReason = annotation.failureReason;
  return view;
}

/** Signing happens a moment after `now` and presigned expiry counts whole seconds: keep this much in hand. */
export const DOWNLOAD_SAFETY_SECONDS = 1;

/**
 * How long a download link may live: at most `maxSeconds`, and never past the annotation's end (whole seconds, with
 * DOWNLOAD_SAFETY_SECONDS to spare). 0 means no link can be given any more.
 */
export function downloadLifetimeSeconds(validUntil: string, now: Date, maxSeconds: number): number {
  const left = Math.floor((Date.parse(validUntil) - now.getTime()) / 1000) - DOWNLOAD_SAFETY_SECONDS;
  return Math.max(0, Math.min(maxSeconds, left));
}

/** The UTF-8 download name: qualification and certificate, e.g. 经济专业技术资格-Z2023110500123-电子证书（加注）.pdf */
export const annotatedFilename = (qualificationName: string, certId: string): string =>
  `${qualificationName}-${certId}-电子证书（加注）.pdf`;
