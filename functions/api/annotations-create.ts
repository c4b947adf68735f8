import { annotationView } from '../../shared/domain/annotation-view';
import { idempotencyRequestHash } from '../../shared/domain/idempotency';
import { annotationLocation } from '../../shared/http/locations';
import { problem } from '../../shared/http/problem';
import { routeHandler } from '../../shared/http/route-handler';
import { ROUTE } from '../../shared/resources/routes';
import { ApplicationRefusedError, applyForAnnotation, openApplication } from '../../shared/services/annotations-apply';

/**
 * POST /v1/certificates/{certId}/annotations — accepted at once (202, PENDING); the PDF is rendered by the queue
 * consumer (R5). The decisions (R3, R4, Idempotency-Key) are the use case's (shared/services/annotations-apply.ts);
 * this translates HTTP only.
 */
export const handler = routeHandler(ROUTE.annotationsCreate, async ({ holder, params, headers, body, now }) => {
  const key = headers['idempotency-key'];
  const { certificate: cert, prefetched } = await openApplication(holder, params.certId, key, now);
  let outcome;
  try {
    outcome = await applyForAnnotation({
      certificate: cert,
      holderId: holder.holderId,
      scenario: body.scenario,
      validDays: body.validDays,
      remind: body.remind === true,
      ...(key ? { idempotency: { key, requestHash: idempotencyRequestHash(cert.certId, body) } } : {}),
      prefetched,
      now,
    });
  } catch (error) {
    if (!(error instanceof ApplicationRefusedError)) throw error;
    if (error.code === 'APPLY_CONTENTION') throw problem('SERVICE_UNAVAILABLE', error.detail, {}, { 'retry-after': '1' });
    throw problem(error.code, error.detail, error.quota ? { nextAvailableAt: error.quota.nextAvailableAt, quota: error.quota } : {});
  }
  const { annotation } = outcome;
  return {
    status: 202,
    body: annotationView(annotation, cert, now),
    headers: { location: annotationLocation(annotation.certId, annotation.annotationId) },
  };
});
