import { requiresAnnotation } from '../../shared/domain/certificate';
import { annotationView } from '../../shared/domain/annotation-view';
import { shanghaiDateTime } from '../../shared/domain/annotation';
import { idempotencyRequestHash } from '../../shared/domain/idempotency';
import { authenticateWithNotice } from '../../shared/http/auth';
import { annotationLocation } from '../../shared/http/holder-annotations';
import { holderCertificate } from '../../shared/http/holder-certificates';
import { httpHandler } from '../../shared/http/middleware';
import { problem } from '../../shared/http/problem';
import { parseJsonBody, validate } from '../../shared/http/request';
import { json } from '../../shared/http/response';
import { AnnotationRequestBody, IdempotencyKeyHeaders } from '../../shared/resources/schemas';
import {
  ApplyContentionError,
  applyForAnnotation,
  CertificateNotAnnotatableError,
  enqueueRender,
  IdempotencyKeyReusedError,
  QuotaExceededError,
} from '../../shared/repository/annotations';
import { logger } from '../../shared/observability';
import { planAnnotationReminders } from '../../shared/services/reminders';

const revoked = () => problem('CERTIFICATE_REVOKED', '证书已撤销，不能申请加注');

/**
 * POST /v1/certificates/{certId}/annotations — accepted at once (202, PENDING); the PDF is rendered by the queue
 * consumer (R5). Quota (R4), certificate status (R3) and the Idempotency-Key are enforced by one transaction.
 */
export const handler = httpHandler(async (event) => {
  const holder = await authenticateWithNotice(event);
  const headers = validate(IdempotencyKeyHeaders, { 'idempotency-key': event.headers?.['idempotency-key'] });
  const body = parseJsonBody(event, AnnotationRequestBody);
  const cert = await holderCertificate(event, holder);
  if (cert.status === 'REVOKED') throw revoked();
  if (!requiresAnnotation(cert.issuedAt)) {
    throw problem('ANNOTATION_NOT_REQUIRED', '2021年12月17日以前取得的证书无需加注，可直接下载证书电子文件');
  }

  const key = headers['idempotency-key'];
  let outcome;
  try {
    outcome = await applyForAnnotation({
      certId: cert.certId,
      holderId: holder.holderId,
      scenario: body.scenario,
      validDays: body.validDays,
      ...(key ? { idempotency: { key, requestHash: idempotencyRequestHash(cert.certId, body) } } : {}),
    });
  } catch (error) {
    if (error instanceof QuotaExceededError) {
      logger.info('annotation refused: quota used up', { attempts: error.attempts });
      const next = error.quota.nextAvailableAt!;
      throw problem(
        'QUOTA_EXCEEDED',
        `同一证书90天内最多可申请${error.quota.limit}次加注，下次可申请时间为${shanghaiDateTime(next)}（北京时间）`,
        { nextAvailableAt: next, quota: error.quota },
      );
    }
    if (error instanceof CertificateNotAnnotatableError) throw revoked();
    if (error instanceof IdempotencyKeyReusedError) {
      throw problem('IDEMPOTENCY_KEY_REUSED', '该 Idempotency-Key 已用于内容不同的请求，请使用新的键');
    }
    if (error instanceof ApplyContentionError) {
      throw problem('SERVICE_UNAVAILABLE', '申请人数较多，请稍后重试', {}, { 'retry-after': '1' });
    }
    throw error;
  }

  const { annotation } = outcome;
  if (outcome.kind === 'created') {
    try {
      await enqueueRender({ certId: annotation.certId, annotationId: annotation.annotationId });
    } catch (error) {
      // The annotation is stored PENDING: the reconciler re-enqueues it. No PII in the log line.
      logger.warn('render enqueue failed; left to the reconciler', {
        annotationId: annotation.annotationId,
        errorName: (error as Error).name,
      });
    }
    if (body.remind) await planAnnotationReminders(annotation);
  }
  logger.info(outcome.kind === 'created' ? 'annotation applied' : 'annotation application replayed', {
    annotationId: annotation.annotationId,
    attempts: outcome.attempts,
  });
  return json(202, annotationView(annotation, cert, new Date()), {
    location: annotationLocation(annotation.certId, annotation.annotationId),
  });
});
