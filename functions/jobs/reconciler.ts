import { reconcileAction, RECONCILER_GAVE_UP_REASON, STALE_AFTER_MS } from '../../shared/domain/reconcile';
import {
  enqueueRender,
  findStalePending,
  getAnnotation,
  markAnnotationFailed,
  recordReenqueue,
  type PendingRef,
} from '../../shared/repository/annotations';
import { lambdaHandler, logger } from '../../shared/observability';

/** Per run: enough for any backlog this service can build in 5 minutes; the next run takes the rest. */
export const RECONCILE_BATCH = 200;
const CONCURRENCY = 8;

export interface ReconcileSummary {
  /** Stale PENDING annotations found. */
  examined: number;
  requeued: number;
  failed: number;
  /** Found stale but changed meanwhile (rendered, failed, or counted by an overlapping run). */
  skipped: number;
  errors: number;
}

/**
 * Scheduled every 5 minutes (shared/resources/functions.ts). The annotation write and SendMessage are two systems: a
 * crash or a failed send between them leaves a PENDING annotation with no message. This finds PENDING annotations
 * older than STALE_AFTER_MS (gsi2, sparse), re-enqueues each (counting it conditionally, so overlapping runs send
 * once) and marks FAILED — freeing its quota slot — one already re-enqueued MAX_REENQUEUES times.
 */
export async function reconcile(now: Date = new Date()): Promise<ReconcileSummary> {
  const stale = await findStalePending(new Date(now.getTime() - STALE_AFTER_MS), RECONCILE_BATCH);
  const summary: ReconcileSummary = { examined: stale.length, requeued: 0, failed: 0, skipped: 0, errors: 0 };

  const one = async (ref: PendingRef) => {
    const annotation = await getAnnotation(ref.certId, ref.annotationId, { consistent: true });
    const action = annotation ? reconcileAction(annotation, now) : 'skip';
    if (!annotation || action === 'skip') {
      summary.skipped++;
      return;
    }
    if (action === 'fail') {
      if (await markAnnotationFailed(ref.certId, ref.annotationId, RECONCILER_GAVE_UP_REASON, now)) summary.failed++;
      else summary.skipped++;
      return;
    }
    // Count first, then send: a send that fails still counts as an attempt, so a dead queue cannot loop forever.
    if (!(await recordReenqueue(ref.certId, ref.annotationId, annotation.enqueueCount ?? 0, now))) {
      summary.skipped++;
      return;
    }
    await enqueueRender(ref);
    summary.requeued++;
  };

  let next = 0;
  const worker = async () => {
    while (next < stale.length) {
      const ref = stale[next++]!;
      try {
        await one(ref);
      } catch (error) {
        summary.errors++;
        logger.error('reconcile failed for one annotation', {
          annotationId: ref.annotationId,
          errorName: (error as Error).name,
          errorMessage: (error as Error).message,
        });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, stale.length) }, worker));
  if (summary.examined > 0) logger.info('reconciled', { ...summary });
  return summary;
}

export const handler = lambdaHandler(async (): Promise<ReconcileSummary> => reconcile());
