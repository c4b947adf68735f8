import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { reconcileAction, shouldDeferForBacklog, STALE_AFTER_MS } from '../domain/reconcile';
import { logger, metrics } from '../observability';
import { findStalePending, getAnnotation, recordReenqueue, type PendingRef } from '../repository/annotations';
import { enqueueRender, renderQueueBacklog } from '../repository/render-queue';

/**
 * The reconciler's run (domain/reconcile.ts has the rules): find PENDING annotations older than STALE_AFTER_MS in
 * every gsi2 shard, read each (the index is keys-only), and re-send the message of those due — unless the render
 * queue's backlog could hold all their messages. It never fails an annotation.
 *
 * Metrics (namespace ecert): ReconcilerStalePending, ReconcilerRequeued, ReconcilerDeferred, ReconcilerErrors
 * (Count) and OldestPendingAgeSeconds (Seconds: how long the oldest PENDING annotation has waited; 0 when none has
 * waited STALE_AFTER_MS) — the alarm that says holders are waiting, whatever the cause.
 */

/** Per run: stale annotations read (a flood bound as much as a work bound; the next run takes the rest). */
export const RECONCILE_BATCH = 500;
const CONCURRENCY = 8;

export interface ReconcileSummary {
  /** Stale PENDING annotations found (at most RECONCILE_BATCH). */
  examined: number;
  /** Their messages sent again. */
  requeued: number;
  /** Due, but not sent: the backlog could hold their messages. */
  deferred: number;
  /** Not due yet (recently sent, or parked in the DLQ after a transient failure), or no longer PENDING. */
  waiting: number;
  errors: number;
  /** Messages in the render queue when the run looked. */
  backlog: number;
  oldestPendingAgeSeconds: number;
}

async function forEachLimited<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

export async function reconcile(now: Date = new Date()): Promise<ReconcileSummary> {
  const [stale, backlog] = await Promise.all([
    findStalePending(new Date(now.getTime() - STALE_AFTER_MS), RECONCILE_BATCH),
    renderQueueBacklog(),
  ]);
  const summary: ReconcileSummary = {
    examined: stale.length,
    requeued: 0,
    deferred: 0,
    waiting: 0,
    errors: 0,
    backlog,
    oldestPendingAgeSeconds: stale.length ? Math.max(0, Math.round((now.getTime() - Date.parse(stale[0]!.appliedAt)) / 1000)) : 0,
  };

  const failed = (ref: PendingRef, error: unknown) => {
    summary.errors++;
    logger.error('reconcile failed for one annotation', {
      annotationId: ref.annotationId,
      errorName: (error as Error).name,
      errorMessage: (error as Error).message,
    });
  };

  // Read each candidate (keys-only index) and keep those due for a re-send.
  const due: Array<{ ref: PendingRef; enqueueCount: number }> = [];
  await forEachLimited(stale, CONCURRENCY, async (ref) => {
    try {
      const annotation = await getAnnotation(ref.certId, ref.annotationId, { consistent: true });
      if (annotation && reconcileAction(annotation, now) === 'requeue') due.push({ ref, enqueueCount: annotation.enqueueCount ?? 0 });
      else summary.waiting++;
    } catch (error) {
      failed(ref, error);
    }
  });

  if (shouldDeferForBacklog(backlog, due.length)) {
    summary.deferred = due.length;
  } else {
    await forEachLimited(due, CONCURRENCY, async ({ ref, enqueueCount }) => {
      try {
        // Count first, then send: overlapping runs send once, and a send that fails still spaces the next try.
        if (!(await recordReenqueue(ref.certId, ref.annotationId, enqueueCount, now))) {
          summary.waiting++;
          return;
        }
        await enqueueRender({ certId: ref.certId, annotationId: ref.annotationId });
        summary.requeued++;
      } catch (error) {
        failed(ref, error);
      }
    });
  }

  metrics.addMetric('ReconcilerStalePending', MetricUnit.Count, summary.examined);
  metrics.addMetric('ReconcilerRequeued', MetricUnit.Count, summary.requeued);
  metrics.addMetric('ReconcilerDeferred', MetricUnit.Count, summary.deferred);
  metrics.addMetric('ReconcilerErrors', MetricUnit.Count, summary.errors);
  metrics.addMetric('OldestPendingAgeSeconds', MetricUnit.Seconds, summary.oldestPendingAgeSeconds);
  if (summary.examined > 0) logger.info('reconciled', { ...summary });
  return summary;
}
