import type { Annotation } from './annotation';

/**
 * What the reconciler does with a PENDING annotation (design for a crash between the table write and SendMessage):
 * re-enqueue one that has waited too long, and give up — FAILED, quota slot freed — after a few re-enqueues, so nothing
 * stays PENDING forever.
 */
export const STALE_AFTER_MS = 2 * 60_000;
export const MAX_REENQUEUES = 3;
export const RECONCILER_GAVE_UP_REASON = '证书生成超时，请重新申请';

export type ReconcileAction = 'requeue' | 'fail' | 'skip';

export function reconcileAction(
  annotation: Pick<Annotation, 'status' | 'appliedAt' | 'enqueueCount'> & { lastEnqueuedAt?: string },
  now: Date,
): ReconcileAction {
  if (annotation.status !== 'PENDING') return 'skip';
  const cutoff = now.getTime() - STALE_AFTER_MS;
  // The clock restarts at each re-enqueue: a message sent a minute ago has not had its chance yet.
  const last = Date.parse(annotation.lastEnqueuedAt ?? annotation.appliedAt);
  if (last > cutoff) return 'skip';
  return (annotation.enqueueCount ?? 0) >= MAX_REENQUEUES ? 'fail' : 'requeue';
}
