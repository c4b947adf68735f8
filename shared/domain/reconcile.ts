import type { Annotation } from './annotation';

/**
 * What the reconciler does with a PENDING annotation. It exists for one failure: the annotation write and SendMessage
 * are two systems, so a crash or a failed send between them leaves a PENDING annotation with no message. It must never
 * fail an annotation (non-negotiable 5: waiting is not failure) — at peak a valid annotation may wait an hour in a
 * deep queue — so it only ever sends the message again, which is harmless: rendering is idempotent.
 *
 * - First re-send once an annotation has waited STALE_AFTER_MS, then with doubling spacing (2, 4, 8 … minutes, capped
 *   at MAX_RESEND_SPACING_MS), so a long wait costs a handful of duplicates, not one every run.
 * - An annotation whose render was tried and failed transiently has a message: retrying, or parked in the DLQ for
 *   the operator's redrive. It is re-sent only after PARKED_RESEND_AFTER_MS, a safety net inside the DLQ's 14-day
 *   retention, so a forgotten DLQ still ends in READY.
 * - When the render queue holds at least as many messages as there are annotations due for a re-send, every one of
 *   them may simply be waiting its turn: the run re-sends nothing (`shouldDeferForBacklog`). The lost ones are sent
 *   when the queue is shallower than that, at the latest when it has drained.
 */
export const STALE_AFTER_MS = 2 * 60_000;
export const MAX_RESEND_SPACING_MS = 60 * 60_000;
export const PARKED_RESEND_AFTER_MS = 24 * 3600_000;

export type ReconcileAction = 'requeue' | 'wait' | 'skip';

export type PendingBookkeeping = Pick<Annotation, 'status' | 'appliedAt' | 'enqueueCount' | 'lastEnqueuedAt' | 'lastFailedAt'>;

/** When the annotation is next due for a re-send (epoch ms). */
export function nextResendAt(annotation: PendingBookkeeping): number {
  const lastEnqueued = annotation.lastEnqueuedAt ? Date.parse(annotation.lastEnqueuedAt) : Number.NEGATIVE_INFINITY;
  if (annotation.lastFailedAt) {
    return Math.max(Date.parse(annotation.lastFailedAt), lastEnqueued) + PARKED_RESEND_AFTER_MS;
  }
  const since = Math.max(Date.parse(annotation.appliedAt), lastEnqueued);
  const spacing = Math.min(STALE_AFTER_MS * 2 ** (annotation.enqueueCount ?? 0), MAX_RESEND_SPACING_MS);
  return since + spacing;
}

export function reconcileAction(annotation: PendingBookkeeping, now: Date): ReconcileAction {
  if (annotation.status !== 'PENDING') return 'skip';
  return now.getTime() >= nextResendAt(annotation) ? 'requeue' : 'wait';
}

/** True when the render queue's backlog could hold the messages of every annotation due (see above). */
export const shouldDeferForBacklog = (queuedMessages: number, due: number): boolean => due > 0 && queuedMessages >= due;
