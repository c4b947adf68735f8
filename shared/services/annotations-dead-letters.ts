import { parseRenderMessage } from '../domain/render-message';
import { getAnnotation } from '../repository/annotations';
import {
  deadLetterQueueDepth,
  latestRedrive,
  peekDeadLetters,
  startRedrive,
  type QueueDepth,
  type RedriveTask,
} from '../repository/render-queue';

/**
 * What the operator sees of the DLQ (`npm run ecert -- dlq list`) and how they bring it back (`dlq redrive`). A
 * render message lands there when its receives are used up without a READY or a deterministic FAILED — a transient
 * failure that outlasted the retries, or receives that never reached a render (throttling). Its annotation is still
 * PENDING, so the entry is joined with the annotation's own record of what happened. Ids and codes only: no names,
 * no ID numbers.
 */
export type DeadLetterState = 'waiting' | 'done' | 'missing' | 'unreadable';

export interface DeadLetterEntry {
  messageId: string;
  state: DeadLetterState;
  certId?: string;
  annotationId?: string;
  annotationStatus?: string;
  /** When the holder applied: how long they have been shown 证书生成中…. */
  appliedAt?: string;
  /** When the message was first sent to the render queue. */
  sentAt?: string;
  receiveCount: number;
  renderAttempts: number;
  lastFailure?: string;
  lastFailedAt?: string;
  /** One line: why it is here and what a redrive will do. */
  reason: string;
}

export interface DeadLetterReport {
  depth: QueueDepth;
  entries: DeadLetterEntry[];
  /** The most recent redrive, if any. */
  redrive?: RedriveTask;
}

async function describe(letter: Awaited<ReturnType<typeof peekDeadLetters>>[number]): Promise<DeadLetterEntry> {
  const base = { messageId: letter.messageId, receiveCount: letter.receiveCount, ...(letter.sentAt ? { sentAt: letter.sentAt } : {}) };
  const message = parseRenderMessage(letter.body);
  if (!message) {
    return { ...base, state: 'unreadable', renderAttempts: 0, reason: 'not a render message (the body is not shown); a redrive parks it here again' };
  }
  const annotation = await getAnnotation(message.certId, message.annotationId, { consistent: true });
  const ids = { certId: message.certId, annotationId: message.annotationId };
  if (!annotation) {
    return { ...base, ...ids, state: 'missing', renderAttempts: 0, reason: 'no such annotation (expired and removed?); a redrive skips it' };
  }
  const facts = {
    ...base,
    ...ids,
    annotationStatus: annotation.status,
    appliedAt: annotation.appliedAt,
    renderAttempts: annotation.renderAttempts ?? 0,
    ...(annotation.lastFailure ? { lastFailure: annotation.lastFailure } : {}),
    ...(annotation.lastFailedAt ? { lastFailedAt: annotation.lastFailedAt } : {}),
  };
  if (annotation.status !== 'PENDING') {
    return { ...facts, state: 'done', reason: `already ${annotation.status} (a duplicate message); a redrive skips it` };
  }
  const reason = annotation.lastFailure
    ? `render failed transiently: ${annotation.lastFailure} (${facts.renderAttempts} attempt(s), last at ${annotation.lastFailedAt}); a redrive renders it again`
    : 'receives used up before any render attempt (throttled or unavailable consumer); a redrive renders it';
  return { ...facts, state: 'waiting', reason };
}

export async function listDeadLetters(max = 1000): Promise<DeadLetterReport> {
  const [depth, letters, redrive] = await Promise.all([deadLetterQueueDepth(), peekDeadLetters(max), latestRedrive()]);
  const entries: DeadLetterEntry[] = [];
  for (const letter of letters) entries.push(await describe(letter));
  entries.sort((a, b) => (a.appliedAt ?? a.sentAt ?? '').localeCompare(b.appliedAt ?? b.sentAt ?? ''));
  return { depth, entries, ...(redrive ? { redrive } : {}) };
}

/** Moves every dead letter back to the render queue (SQS StartMessageMoveTask); rendering is idempotent. */
export async function redriveDeadLetters(options: { maxPerSecond?: number } = {}): Promise<{ taskHandle: string }> {
  return { taskHandle: await startRedrive(options) };
}

export { latestRedrive };
