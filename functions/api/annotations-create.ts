import { annotationView } from '../../shared/domain/annotation-view';
import { idempotencyRequestHash } from '../../shared/domain/idempotency';
import { authenticateWithNotice } from '../../shared/http/auth';
import { annotationLocation } from '../../shared/http/holder-annotations';
import { holderCertificate } from '../../shared/http/holder-certificates';
import { httpHandler } from '../../shared/http/middleware';
import { problem } from '../../shared/http/problem';
import { parseJsonBody, validate } from '../../shared/http/request';
import { json } from '../../shared/http/response';
import { AnnotationRequestBody, IdempotencyKeyHeaders } from '../../shared/resources/schemas';
import { ApplicationRefusedError, applyForAnnotation, prefetchApplicationState } from '../../shared/services/annotations-apply';
import { isCertId } from '../../shared/domain/certificate';

/**
 * POST /v1/certificates/{certId}/annotations — accepted at once (202, PENDING); the PDF is rendered by the queue
 * consumer (R5). The decisions (R3, R4, Idempotency-Key) are the use case's (shared/services/annotations-apply.ts);
 * this translates HTTP only.
 */
export const handler = httpHandler(async (event) => {
  const holder = await authenticateWithNotice(event);
  const headers = validate(IdempotencyKeyHeaders, { 'idempotency-key': event.headers?.['idempotency-key'] });
  const body = parseJsonBody(event, AnnotationRequestBody);
  const key = headers['idempotency-key'];
  const now = new Date();
  // The use case's first reads run while the certificate is loaded and checked (one round trip fewer).
  const requested = event.pathParameters?.certId;
  const prefetched = requested && isCertId(requested) ? prefetchApplicationState(requested, holder.holderId, key, now) : undefined;
  const cert = await holderCertificate(event, holder);
  let outcome;
  try {
    outcome = await applyForAnnotation({
      certificate: cert,
      holderId: holder.holderId,
      scenario: body.scenario,
      validDays: body.validDays,
      ...(key ? { idempotency: { key, requestHash: idempotencyRequestHash(cert.certId, body) } } : {}),
      ...(prefetched ? { prefetched } : {}),
      now,
    });
  } catch (error) {
    if (!(error instanceof ApplicationRefusedError)) throw error;
    if (error.code === 'APPLY_CONTENTION') throw problem('SERVICE_UNAVAILABLE', error.detail, {}, { 'retry-after': '1' });
    throw problem(error.code, error.detail, error.quota ? { nextAvailableAt: error.quota.nextAvailableAt, quota: error.quota } : {});
  }
  const { annotation } = outcome;
  return json(202, annotationView(annotation, cert, now), {
    location: annotationLocation(annotation.certId, annotation.annotationId),
  });
});
