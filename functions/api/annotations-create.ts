import { requiresAnnotation } from '../../shared/domain/certificate';
import { annotationView } from '../../shared/domain/annotation-view';
import { shanghaiDateTime } from '../../shared/domain/annotation';
import { idempotencyRequestHash } from '../../shared/domain/idempotency';
import { annotationLocation } from '../../shared/http/locations';
import { problem } from '../../shared/http/problem';
import { routeHandler } from '../../shared/http/route-handler';
import { ROUTE } from '../../shared/resources/routes';
import { holderCertificate } from '../../shared/services/holder-certificates';
import {
  ApplyContentionError,
  applyForAnnotation,
  CertificateNotAnnotatableError,
  enqueueRender,
  IdempotencyKeyReusedError,
  QuotaExceededError,
} from '../../shared/repository/annotations';
import { logger } from '../../shared/observability';

const revoked = () => problem('CERTIFICATE_REVOKED', '证书已撤销，不能申请加注');

/**
 * POST /v1/certificates/{certId}/annotations — accepted at once (202, PENDING); the PDF is rendered by the queue
 * consumer (R5). Quota (R4), certificate status (R3) and the Idempotency-Key are enforced by one transaction.
 */
export const handler = routeHandler(ROUTE.annotationsCreate, async ({ holder, params, headers, body, now }) => {
  const cert = await holderCertificate(holder, params.certId);
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
  }
  logger.info(outcome.kind === 'created' ? 'annotation applied' : 'annotation application replayed', {
    annotationId: annotation.annotationId,
    attempts: outcome.attempts,
  });
  return {
    status: 202,
    body: annotationView(annotation, cert, now),
    headers: { location: annotationLocation(annotation.certId, annotation.annotationId) },
  };
});
