import { backoff } from '../aws/backoff';
import { newAnnotation, quotaDecision, quotaExceededText, type Annotation, type QuotaView } from '../domain/annotation';
import { requiresAnnotation, type Certificate } from '../domain/certificate';
import { logger } from '../observability';
import { ApplicationNotCommittedError, commitApplication, getAnnotation, readApplicationState } from '../repository/annotations';
import { idempotencyRecordPut, type IdempotencyRecord } from '../repository/idempotency';
import { enqueueRender } from '../repository/render-queue';
import type { Holder } from '../repository/holders';
import { holderCertificateOfItem } from './holder-certificates';
import { annotationReminderItems } from './reminders';

/**
 * Applying for an annotation (R2–R5, docs/annotations.md): the decisions — may this certificate be annotated, is a
 * quota slot free, is this a replay of an earlier keyed request — and their order. The repositories persist; every
 * decision is re-checked by the transaction's conditions, so a decision made on a read that has gone stale can only
 * cost a retry, never an extra slot.
 */
export type RefusalCode = 'CERTIFICATE_REVOKED' | 'ANNOTATION_NOT_REQUIRED' | 'QUOTA_EXCEEDED' | 'IDEMPOTENCY_KEY_REUSED' | 'APPLY_CONTENTION';

/** The application is refused; `detail` is what the holder reads. */
export class ApplicationRefusedError extends Error {
  override name = 'ApplicationRefusedError';
  constructor(
    readonly code: RefusalCode,
    readonly detail: string,
    /** QUOTA_EXCEEDED: the quota as it stands, with the time the next slot frees. */
    readonly quota?: QuotaView,
  ) {
    super(`annotation application refused: ${code}`);
  }
}

const refusals = {
  revoked: () => new ApplicationRefusedError('CERTIFICATE_REVOKED', '证书已撤销，不能申请加注'),
  notRequired: () =>
    new ApplicationRefusedError('ANNOTATION_NOT_REQUIRED', '2021年12月17日以前取得的证书无需加注，可直接下载证书电子文件'),
  quotaExceeded: (quota: QuotaView) => new ApplicationRefusedError('QUOTA_EXCEEDED', quotaExceededText(quota), quota),
  keyReused: () => new ApplicationRefusedError('IDEMPOTENCY_KEY_REUSED', '该 Idempotency-Key 已用于内容不同的请求，请使用新的键'),
  contention: () => new ApplicationRefusedError('APPLY_CONTENTION', '申请人数较多，请稍后重试'),
};

type ApplicationState = Awaited<ReturnType<typeof readApplicationState>>;

/** The first attempt's reads, made by `openApplication`. */
export interface PrefetchedApplicationState {
  certId: string;
  holderId: string;
  key: string | undefined;
  state: ApplicationState;
}

/**
 * The holder's certificate and the first attempt's reads (quota, idempotency record) in one strongly consistent
 * BatchGetItem: the quota lives on the certificate item, so a separate read of the certificate would fetch the same
 * item twice. Someone else's certificate, or none, is NOT_FOUND exactly as on the other certificate routes.
 */
export async function openApplication(
  holder: Holder,
  certId: string,
  key: string | undefined,
  now: Date,
): Promise<{ certificate: Certificate; prefetched: PrefetchedApplicationState }> {
  const state = await readApplicationState(certId, key ? { holderId: holder.holderId, key } : undefined, now);
  const certificate = holderCertificateOfItem(holder, state.certificateItem);
  return { certificate, prefetched: { certId, holderId: holder.holderId, key, state } };
}

export interface ApplyRequest {
  /** The caller's own certificate, as the HTTP layer loaded it. */
  certificate: Certificate;
  holderId: string;
  scenario: string;
  validDays: number;
  /** Expiry reminders asked for: planned and stored in the same transaction as the annotation. */
  remind?: boolean;
  idempotency?: { key: string; requestHash: string };
  /** From `openApplication` with the same certificate, holder, key and `now`. */
  prefetched?: PrefetchedApplicationState;
  now?: Date;
}

export interface ApplyOutcome {
  kind: 'created' | 'replayed';
  annotation: Annotation;
  /** Transaction attempts made (1 = no race lost). */
  attempts: number;
}

export const MAX_APPLY_ATTEMPTS = 10;

async function replay(record: IdempotencyRecord, request: ApplyRequest, attempts: number): Promise<ApplyOutcome> {
  if (record.requestHash !== request.idempotency!.requestHash || record.certId !== request.certificate.certId) {
    throw refusals.keyReused();
  }
  const annotation = await getAnnotation(record.certId, record.annotationId, { consistent: true });
  // Written in the same transaction as the record and living at least as long: a miss is a broken invariant.
  if (!annotation) throw new Error(`idempotency record points at a missing annotation ${record.annotationId}`);
  logger.info('annotation application replayed', { annotationId: annotation.annotationId, attempts });
  return { kind: 'replayed', annotation, attempts };
}

/**
 * Each attempt reads the quota (with the certificate's status) and, for a keyed request, the idempotency record —
 * in one strongly consistent BatchGetItem — decides, and commits in one transaction conditioned on what it read. A lost
 * race re-reads after a jittered pause (≤ 250 ms). After the commit the render message is sent; if that fails the
 * annotation is still PENDING and the reconciler sends it later, so the application is accepted either way.
 * Throws ApplicationRefusedError.
 */
export async function applyForAnnotation(request: ApplyRequest): Promise<ApplyOutcome> {
  const { certificate, holderId, idempotency } = request;
  const now = request.now ?? new Date();
  if (certificate.status === 'REVOKED') throw refusals.revoked();
  if (!requiresAnnotation(certificate.issuedAt)) throw refusals.notRequired();
  const annotation = newAnnotation(
    { certId: certificate.certId, holderId, scenario: request.scenario, validDays: request.validDays, remind: request.remind === true },
    now,
  );
  const reminders = annotation.remind ? annotationReminderItems(annotation) : [];

  for (let attempt = 1; attempt <= MAX_APPLY_ATTEMPTS; attempt++) {
    if (attempt > 1) await backoff(attempt - 1, 10, 250);
    const prefetched = attempt === 1 && matches(request.prefetched, request) ? request.prefetched!.state : undefined;
    const { record, quota } =
      prefetched ??
      (await readApplicationState(certificate.certId, idempotency ? { holderId, key: idempotency.key } : undefined, now));
    if (record) return replay(record, request, attempt);
    if (quota.certificateStatus !== 'VALID') throw refusals.revoked();
    const decision = quotaDecision(quota.slots, now);
    if (!decision.admit) {
      logger.info('annotation refused: quota used up', { attempts: attempt });
      throw refusals.quotaExceeded(decision.quota);
    }
    try {
      await commitApplication({
        annotation,
        slots: { ...decision.live, [annotation.annotationId]: annotation.appliedAt },
        seenVersion: quota.version,
        alsoPut: reminders,
        ...(idempotency
          ? {
              idempotencyPut: idempotencyRecordPut(
                { holderId, key: idempotency.key, requestHash: idempotency.requestHash, certId: certificate.certId, annotationId: annotation.annotationId },
                now,
              ),
            }
          : {}),
      });
    } catch (error) {
      // Lost a race (the quota moved, the certificate changed, the same key won elsewhere) or contention: the next
      // attempt's reads say which, and decide again.
      if (error instanceof ApplicationNotCommittedError) continue;
      throw error;
    }
    await sendRenderMessage(annotation);
    logger.info('annotation applied', { annotationId: annotation.annotationId, attempts: attempt });
    return { kind: 'created', annotation, attempts: attempt };
  }
  throw refusals.contention();
}

const matches = (prefetched: PrefetchedApplicationState | undefined, request: ApplyRequest): boolean =>
  prefetched !== undefined &&
  prefetched.certId === request.certificate.certId &&
  prefetched.holderId === request.holderId &&
  prefetched.key === request.idempotency?.key;

async function sendRenderMessage(annotation: Annotation): Promise<void> {
  try {
    await enqueueRender({ certId: annotation.certId, annotationId: annotation.annotationId });
  } catch (error) {
    // The annotation is stored PENDING with no message: the reconciler sends it. No PII in the log line.
    logger.warn('render enqueue failed; left to the reconciler', {
      annotationId: annotation.annotationId,
      errorName: (error as Error).name,
    });
  }
}
