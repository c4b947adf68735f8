import { deriveStatus } from '../../shared/domain/annotation';
import { annotatedFilename, downloadLifetimeSeconds } from '../../shared/domain/annotation-view';
import { qualificationOf } from '../../shared/domain/certificate';
import { authenticateWithNotice } from '../../shared/http/auth';
import { holderAnnotation } from '../../shared/http/holder-annotations';
import { holderCertificate } from '../../shared/http/holder-certificates';
import { httpHandler } from '../../shared/http/middleware';
import { problem } from '../../shared/http/problem';
import { validate } from '../../shared/http/request';
import { json } from '../../shared/http/response';
import { DispositionQuery } from '../../shared/resources/schemas';
import { MAX_PRESIGN_SECONDS, presignDownload } from '../../shared/repository/documents';

/**
 * GET /v1/certificates/{certId}/annotations/{annotationId}/download — a presigned GET minted per request, valid for
 * at most 300 s and never past the annotation's end (R6).
 */
export const handler = httpHandler(async (event) => {
  const holder = await authenticateWithNotice(event);
  const query = validate(DispositionQuery, event.queryStringParameters ?? {});
  const cert = await holderCertificate(event, holder);
  const annotation = await holderAnnotation(event, cert);
  const now = new Date();
  const lifetime = downloadLifetimeSeconds(annotation.validUntil, now, MAX_PRESIGN_SECONDS);
  const status = deriveStatus(annotation, cert, now);
  switch (status) {
    case 'REVOKED':
      throw problem('CERTIFICATE_REVOKED', '证书已撤销，加注件不能查看或下载');
    case 'PENDING':
      throw problem('ANNOTATION_PENDING', '证书生成中，请稍后再试');
    case 'FAILED':
      throw problem('ANNOTATION_FAILED', '加注件生成失败，请重新申请加注');
    case 'EXPIRED':
      throw problem('ANNOTATION_EXPIRED', '加注件已过期，请重新申请加注');
    case 'READY':
      break;
  }
  // Less than a second left: a link would outlive the annotation.
  if (lifetime < 1) throw problem('ANNOTATION_EXPIRED', '加注件已过期，请重新申请加注');
  if (!annotation.objectKey) throw new Error(`READY annotation ${annotation.annotationId} has no object key`);
  const filename = annotatedFilename(qualificationOf(cert).name, cert.certId);
  const link = await presignDownload(annotation.objectKey, {
    filename,
    disposition: query.disposition ?? 'attachment',
    expiresInSeconds: lifetime,
  });
  return json(200, { ...link, filename });
});
