import { deriveStatus, quotaView, type QuotaView } from '../domain/annotation';
import { annotatedFilename, annotationView, downloadLifetimeSeconds, type AnnotationView } from '../domain/annotation-view';
import { qualificationOf, type Certificate } from '../domain/certificate';
import { problem } from '../http/problem';
import { getAnnotation, getQuota, listAnnotations, type StoredAnnotation } from '../repository/annotations';
import { MAX_PRESIGN_SECONDS, presignDownload, type Disposition } from '../repository/documents';
import type { Holder } from '../repository/holders';
import { NOT_FOUND_TEXT } from '../resources/schemas';
import { holderCertificate, type DocumentLink } from './holder-certificates';

/**
 * What a holder reads of their annotations: one, the list with the quota, and the download link. Statuses are derived
 * at `now` on every read (R6: EXPIRED, R3: REVOKED); applying and rendering are shared/services/annotations*.
 */

/**
 * The annotation `annotationId` of a certificate already checked to be the caller's. Annotations live in their
 * certificate's partition, so another certificate's annotation id finds nothing: the same 404 as a missing one.
 */
export async function holderAnnotation(cert: Certificate, annotationId: string): Promise<StoredAnnotation> {
  const annotation = await getAnnotation(cert.certId, annotationId, { consistent: true });
  if (!annotation) throw problem('NOT_FOUND', NOT_FOUND_TEXT.annotation);
  return annotation;
}

export async function annotationDetail(holder: Holder, certId: string, annotationId: string, now: Date): Promise<AnnotationView> {
  const cert = await holderCertificate(holder, certId);
  return annotationView(await holderAnnotation(cert, annotationId), cert, now);
}

export interface AnnotationListView {
  items: AnnotationView[];
  quota: QuotaView;
}

/** Newest first, with the quota as the portal shows it (R4): the figures are the domain's, the portal computes none. */
export async function annotationList(holder: Holder, certId: string, now: Date): Promise<AnnotationListView> {
  const cert = await holderCertificate(holder, certId);
  const [annotations, quota] = await Promise.all([listAnnotations(cert.certId), getQuota(cert.certId)]);
  return { items: annotations.map((annotation) => annotationView(annotation, cert, now)), quota: quotaView(quota.slots, now) };
}

/**
 * A presigned GET of the sealed PDF, minted per request, valid for at most 300 s and never past the annotation's end
 * (R6); only a READY annotation of a VALID certificate has one.
 */
export async function annotationDownloadLink(
  holder: Holder,
  certId: string,
  annotationId: string,
  disposition: Disposition,
  now: Date,
): Promise<DocumentLink> {
  const cert = await holderCertificate(holder, certId);
  const annotation = await holderAnnotation(cert, annotationId);
  const expired = () => problem('ANNOTATION_EXPIRED', '加注件已过期，请重新申请加注');
  switch (deriveStatus(annotation, cert, now)) {
    case 'REVOKED':
      throw problem('CERTIFICATE_REVOKED', '证书已撤销，加注件不能查看或下载');
    case 'PENDING':
      throw problem('ANNOTATION_PENDING', '证书生成中，请稍后再试');
    case 'FAILED':
      throw problem('ANNOTATION_FAILED', '加注件生成失败，请重新申请加注');
    case 'EXPIRED':
      throw expired();
    case 'READY':
      break;
  }
  const lifetime = downloadLifetimeSeconds(annotation.validUntil, now, MAX_PRESIGN_SECONDS);
  // Less than a second left: a link would outlive the annotation.
  if (lifetime < 1) throw expired();
  if (!annotation.objectKey) throw new Error(`READY annotation ${annotation.annotationId} has no object key`);
  const filename = annotatedFilename(qualificationOf(cert).name, cert.certId);
  const link = await presignDownload(annotation.objectKey, { filename, disposition, expiresInSeconds: lifetime });
  return { ...link, filename };
}
