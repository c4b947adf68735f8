import {
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { backoff } from '../aws/backoff';
import { ddb } from '../aws/clients';
import {
  liveSlots,
  newAnnotationId,
  newVerificationCode,
  QUOTA_LIMIT,
  quotaView,
  validityWindow,
  type Annotation,
  type QuotaSlots,
  type QuotaView,
  type StoredAnnotationStatus,
} from '../domain/annotation';
import type { CertificateStatus } from '../domain/certificate';
import { IDEMPOTENCY_TTL_SECONDS } from '../domain/idempotency';
import { keys, TABLE } from '../resources/table';
import { cancellationCodes, epochSeconds, isConditionFailure, isTransactionCanceled, tableName } from './dynamo';
import { optionalNumber, optionalString, requiredString, type Item } from './item-codec';
import { verificationPut } from './verifications';

export { enqueueRender } from './render-queue';

/**
 * All DynamoDB access for annotations, their certificate's quota and the Idempotency-Key records (docs/annotations.md,
 * docs/table-design.md). Every state change is a conditional write: the quota is a versioned item updated in the same
 * transaction as the annotation it admits, so concurrent applications can never exceed it (R4).
 */

/** An annotation as stored, with the reconciler's bookkeeping. */
export interface StoredAnnotation extends Annotation {
  /** When the reconciler last re-enqueued it. */
  lastEnqueuedAt?: string;
}

const PENDING: StoredAnnotationStatus = 'PENDING';
const pendingIndex = TABLE.indexes.pendingAnnotations;
const MAX_TRANSACTION_ATTEMPTS = 10;

/** Between attempts of a transaction that lost a race: 10 ms doubling, capped at 250 ms, full jitter. */
const retryPause = (attempt: number) => backoff(attempt, 10, 250);

/** gsi2sk of a PENDING annotation: oldest first, so the reconciler's range query reads exactly the stale ones. */
export const pendingSortKey = (appliedAt: string, certId: string, annotationId: string): string =>
  `${appliedAt}#${certId}#${annotationId}`;

// ── Item mapping ────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * The one place an annotation becomes an item. `validUntil` is the table's TTL attribute, so the item holds it as
 * epoch seconds (rounded up: TTL must never remove an annotation before its end) and keeps the ISO time in
 * `validUntilIso`.
 */
export function toAnnotationItem(annotation: Annotation): Item {
  const { validUntil, ...rest } = annotation;
  return {
    ...keys.annotation(annotation.certId, annotation.annotationId),
    ...rest,
    validUntilIso: validUntil,
    [TABLE.ttlAttribute]: Math.ceil(Date.parse(validUntil) / 1000),
    ...(annotation.status === PENDING
      ? {
          [pendingIndex.partitionKey]: keys.pendingPartition,
          [pendingIndex.sortKey]: pendingSortKey(annotation.appliedAt, annotation.certId, annotation.annotationId),
        }
      : {}),
  };
}

/** The one place an item becomes a domain Annotation (keys, index and TTL attributes stay behind). */
export function toAnnotation(item: Item): StoredAnnotation {
  const annotation: StoredAnnotation = {
    annotationId: requiredString(item, 'annotationId'),
    certId: requiredString(item, 'certId'),
    holderId: requiredString(item, 'holderId'),
    scenario: requiredString(item, 'scenario'),
    validDays: Number(item.validDays),
    appliedAt: requiredString(item, 'appliedAt'),
    validFrom: requiredString(item, 'validFrom'),
    validUntil: requiredString(item, 'validUntilIso'),
    status: requiredString(item, 'status') as StoredAnnotationStatus,
    verificationCode: requiredString(item, 'verificationCode'),
  };
  const optional = {
    objectKey: optionalString(item, 'objectKey'),
    documentSha256: optionalString(item, 'documentSha256'),
    documentSize: optionalNumber(item, 'documentSize'),
    renderedAt: optionalString(item, 'renderedAt'),
    failureReason: optionalString(item, 'failureReason'),
    failedAt: optionalString(item, 'failedAt'),
    enqueueCount: optionalNumber(item, 'enqueueCount'),
    lastEnqueuedAt: optionalString(item, 'lastEnqueuedAt'),
  };
  for (const [name, value] of Object.entries(optional)) {
    if (value !== undefined) (annotation as unknown as Record<string, unknown>)[name] = value;
  }
  return annotation;
}

// ── Reads ───────────────────────────────────────────────────────────────────────────────────────────────────────

export async function getAnnotation(
  certId: string,
  annotationId: string,
  options: { consistent?: boolean } = {},
): Promise<StoredAnnotation | undefined> {
  const out = await ddb().send(
    new GetCommand({
      TableName: tableName(),
      Key: keys.annotation(certId, annotationId),
      ConsistentRead: options.consistent ?? false,
    }),
  );
  return out.Item ? toAnnotation(out.Item) : undefined;
}

/** A certificate's annotations, newest first (annotation ids are time-ordered). Consistent: a list after an apply shows it. */
export async function listAnnotations(certId: string): Promise<StoredAnnotation[]> {
  const items: Item[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const out = await ddb().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
        ExpressionAttributeValues: { ':pk': keys.certificate(certId).pk, ':prefix': keys.annotationPrefix },
        ScanIndexForward: false,
        ConsistentRead: true,
        ExclusiveStartKey: cursor,
      }),
    );
    items.push(...(out.Items ?? []));
    cursor = out.LastEvaluatedKey;
  } while (cursor);
  return items.map(toAnnotation);
}

export interface QuotaState {
  /** Every slot stored, live or not (prune with `liveSlots`). */
  slots: QuotaSlots;
  /** Optimistic-concurrency version; 0 when the item does not exist yet. */
  version: number;
  exists: boolean;
}

export async function getQuota(certId: string): Promise<QuotaState> {
  const out = await ddb().send(new GetCommand({ TableName: tableName(), Key: keys.quota(certId), ConsistentRead: true }));
  if (!out.Item) return { slots: {}, version: 0, exists: false };
  return { slots: (out.Item.slots as QuotaSlots | undefined) ?? {}, version: Number(out.Item.version ?? 0), exists: true };
}

// ── Idempotency records ─────────────────────────────────────────────────────────────────────────────────────────

export interface IdempotencyRecord {
  holderId: string;
  key: string;
  requestHash: string;
  certId: string;
  annotationId: string;
  createdAt: string;
  /** Epoch seconds. */
  validUntil: number;
}

/** A live record for (holder, key), or undefined. An expired one that TTL has not deleted yet counts as absent. */
export async function findIdempotencyRecord(holderId: string, key: string, now: Date = new Date()): Promise<IdempotencyRecord | undefined> {
  const out = await ddb().send(
    new GetCommand({ TableName: tableName(), Key: keys.idempotency(holderId, key), ConsistentRead: true }),
  );
  const item = out.Item;
  if (!item || Number(item.validUntil) <= epochSeconds(now)) return undefined;
  return {
    holderId: String(item.holderId),
    key,
    requestHash: String(item.requestHash),
    certId: String(item.certId),
    annotationId: String(item.annotationId),
    createdAt: String(item.createdAt),
    validUntil: Number(item.validUntil),
  };
}

// ── Apply ───────────────────────────────────────────────────────────────────────────────────────────────────────

export class QuotaExceededError extends Error {
  override name = 'QuotaExceededError';
  constructor(
    readonly quota: QuotaView,
    /** Transaction attempts made before the quota was found full (1 = it was full at the first read). */
    readonly attempts = 1,
  ) {
    super(`quota of ${quota.limit} annotations in ${quota.windowDays} days is used up until ${quota.nextAvailableAt}`);
  }
}

/** The certificate is not VALID any more (revoked between the caller's read and the transaction), or is gone. */
export class CertificateNotAnnotatableError extends Error {
  override name = 'CertificateNotAnnotatableError';
  constructor() {
    super('the certificate is no longer valid');
  }
}

export class IdempotencyKeyReusedError extends Error {
  override name = 'IdempotencyKeyReusedError';
  constructor() {
    super('the idempotency key was used for another request');
  }
}

/** Too many concurrent writers on one certificate: every attempt lost the race. The caller may retry later. */
export class ApplyContentionError extends Error {
  override name = 'ApplyContentionError';
  constructor(readonly attempts: number) {
    super(`the apply transaction lost ${attempts} races in a row`);
  }
}

export interface AnnotationApplication {
  certId: string;
  holderId: string;
  scenario: string;
  validDays: number;
  idempotency?: { key: string; requestHash: string };
  now?: Date;
}

export type ApplyOutcome =
  | { kind: 'created'; annotation: StoredAnnotation; attempts: number }
  | { kind: 'replayed'; annotation: StoredAnnotation; attempts: number };

/** Codes of a cancelled transaction worth another attempt after re-reading. */
const RETRYABLE_CODES = new Set(['ConditionalCheckFailed', 'TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded']);

async function replay(record: IdempotencyRecord, certId: string, requestHash: string, attempts: number): Promise<ApplyOutcome> {
  if (record.requestHash !== requestHash || record.certId !== certId) throw new IdempotencyKeyReusedError();
  const annotation = await getAnnotation(record.certId, record.annotationId, { consistent: true });
  // Written in the same transaction as the record and living at least as long: a miss is a broken invariant.
  if (!annotation) throw new Error(`idempotency record points at a missing annotation ${record.annotationId}`);
  return { kind: 'replayed', annotation, attempts };
}

/**
 * Applies for an annotation (R2–R5) in one TransactWriteItems: Put the annotation (PENDING, in gsi2), Update the quota
 * conditioned on the version read, ConditionCheck the certificate `status = VALID`, and Put the idempotency record if
 * a key is given. A lost race on the quota version (or a transaction conflict) re-reads and retries with jittered
 * backoff; a replayed key answers with the annotation it produced. Throws QuotaExceededError,
 * CertificateNotAnnotatableError, IdempotencyKeyReusedError or ApplyContentionError.
 */
export async function applyForAnnotation(application: AnnotationApplication): Promise<ApplyOutcome> {
  const { certId, holderId, scenario, validDays, idempotency } = application;
  const now = application.now ?? new Date();
  const at = now.toISOString();
  const { validFrom, validUntil } = validityWindow(now, validDays);
  const annotation: StoredAnnotation = {
    annotationId: newAnnotationId(now),
    certId,
    holderId,
    scenario,
    validDays,
    appliedAt: at,
    validFrom: validFrom.toISOString(),
    validUntil: validUntil.toISOString(),
    status: PENDING,
    verificationCode: newVerificationCode(),
  };
  const table = tableName();

  for (let attempt = 1; attempt <= MAX_TRANSACTION_ATTEMPTS; attempt++) {
    if (idempotency) {
      const record = await findIdempotencyRecord(holderId, idempotency.key, now);
      if (record) return replay(record, certId, idempotency.requestHash, attempt);
    }
    const quota = await getQuota(certId);
    const live = liveSlots(quota.slots, now);
    if (Object.keys(live).length >= QUOTA_LIMIT) throw new QuotaExceededError(quotaView(live, now), attempt);

    const transactItems: NonNullable<TransactWriteCommandInput['TransactItems']> = [
      {
        Put: {
          TableName: table,
          Item: toAnnotationItem(annotation),
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
        },
      },
      {
        Update: {
          TableName: table,
          Key: keys.quota(certId),
          UpdateExpression: 'SET #slots = :slots, #version = :next, certId = :certId, updatedAt = :at',
          ConditionExpression: quota.exists ? '#version = :seen' : 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: {
            '#slots': 'slots',
            '#version': 'version',
            ...(quota.exists ? {} : { '#pk': TABLE.partitionKey }),
          },
          ExpressionAttributeValues: {
            ':slots': { ...live, [annotation.annotationId]: at },
            ':next': quota.version + 1,
            ':certId': certId,
            ':at': at,
            ...(quota.exists ? { ':seen': quota.version } : {}),
          },
        },
      },
      {
        ConditionCheck: {
          TableName: table,
          Key: keys.certificate(certId),
          ConditionExpression: '#status = :valid',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':valid': 'VALID' satisfies CertificateStatus },
        },
      },
    ];
    if (idempotency) {
      transactItems.push({
        Put: {
          TableName: table,
          Item: {
            ...keys.idempotency(holderId, idempotency.key),
            holderId,
            requestHash: idempotency.requestHash,
            certId,
            annotationId: annotation.annotationId,
            createdAt: at,
            [TABLE.ttlAttribute]: epochSeconds(now) + IDEMPOTENCY_TTL_SECONDS,
          },
          // An expired record that TTL has not deleted yet may be replaced.
          ConditionExpression: 'attribute_not_exists(#pk) OR #ttl <= :nowEpoch',
          ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#ttl': TABLE.ttlAttribute },
          ExpressionAttributeValues: { ':nowEpoch': epochSeconds(now) },
        },
      });
    }

    try {
      await ddb().send(new TransactWriteCommand({ TransactItems: transactItems }));
      return { kind: 'created', annotation, attempts: attempt };
    } catch (error) {
      if (!isTransactionCanceled(error)) throw error;
      const codes = cancellationCodes(error);
      const [, , certificateCode, idempotencyCode] = codes;
      if (idempotencyCode === 'ConditionalCheckFailed') {
        // The same key won a concurrent request: answer as that request did.
        const record = await findIdempotencyRecord(holderId, idempotency!.key, now);
        if (record) return replay(record, certId, idempotency!.requestHash, attempt);
      }
      if (certificateCode === 'ConditionalCheckFailed') throw new CertificateNotAnnotatableError();
      if (!codes.some((code) => code !== undefined && code !== 'None' && RETRYABLE_CODES.has(code))) throw error;
      // The quota moved under us (another application or a freed slot): read it again.
      if (attempt < MAX_TRANSACTION_ATTEMPTS) await retryPause(attempt);
    }
  }
  throw new ApplyContentionError(MAX_TRANSACTION_ATTEMPTS);
}

// ── State changes after the application ─────────────────────────────────────────────────────────────────────────

/**
 * PENDING → READY with the rendered document. False (no throw) when the annotation is not PENDING any more: a
 * duplicate delivery, or it was marked FAILED meanwhile.
 */
export async function markAnnotationReady(
  annotation: Annotation,
  doc: { objectKey: string; documentSha256: string; documentSize: number; renderedAt: string; signerFingerprint?: string },
): Promise<boolean> {
  const { certId, annotationId } = annotation;
  try {
    // READY and the verification code become true together: a third party can check the copy from the moment the
    // holder can download it.
    await ddb().send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: tableName(),
              Key: keys.annotation(certId, annotationId),
              UpdateExpression:
                'SET #status = :ready, objectKey = :key, documentSha256 = :sha, documentSize = :size, renderedAt = :at REMOVE #gpk, #gsk',
              ConditionExpression: '#status = :pending',
              ExpressionAttributeNames: {
                '#status': 'status',
                '#gpk': pendingIndex.partitionKey,
                '#gsk': pendingIndex.sortKey,
              },
              ExpressionAttributeValues: {
                ':ready': 'READY' satisfies StoredAnnotationStatus,
                ':pending': PENDING,
                ':key': doc.objectKey,
                ':sha': doc.documentSha256,
                ':size': doc.documentSize,
                ':at': doc.renderedAt,
              },
            },
          },
          { Put: verificationPut(annotation, doc.documentSha256, doc.signerFingerprint) },
        ],
      }),
    );
    return true;
  } catch (error) {
    if (isTransactionCanceled(error) && cancellationCodes(error)[0] === 'ConditionalCheckFailed') return false;
    throw error;
  }
}

/**
 * PENDING → FAILED and its quota slot freed, in one transaction (a failed annotation does not count, R4). False when
 * the annotation is not PENDING (already READY or FAILED, or missing). Retries transaction conflicts with concurrent
 * applications on the same quota item.
 */
export async function markAnnotationFailed(
  certId: string,
  annotationId: string,
  reason: string,
  at: Date = new Date(),
): Promise<boolean> {
  const table = tableName();
  const when = at.toISOString();
  for (let attempt = 1; ; attempt++) {
    try {
      await ddb().send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: table,
                Key: keys.annotation(certId, annotationId),
                UpdateExpression: 'SET #status = :failed, failureReason = :reason, failedAt = :at REMOVE #gpk, #gsk',
                ConditionExpression: '#status = :pending',
                ExpressionAttributeNames: {
                  '#status': 'status',
                  '#gpk': pendingIndex.partitionKey,
                  '#gsk': pendingIndex.sortKey,
                },
                ExpressionAttributeValues: {
                  ':failed': 'FAILED' satisfies StoredAnnotationStatus,
                  ':pending': PENDING,
                  ':reason': reason,
                  ':at': when,
                },
              },
            },
            {
              Update: {
                TableName: table,
                Key: keys.quota(certId),
                UpdateExpression: 'REMOVE #slots.#id SET #version = #version + :one, updatedAt = :at',
                ConditionExpression: 'attribute_exists(#pk)',
                ExpressionAttributeNames: {
                  '#slots': 'slots',
                  '#id': annotationId,
                  '#version': 'version',
                  '#pk': TABLE.partitionKey,
                },
                ExpressionAttributeValues: { ':one': 1, ':at': when },
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (!isTransactionCanceled(error)) throw error;
      const [annotationCode, quotaCode] = cancellationCodes(error);
      if (annotationCode === 'ConditionalCheckFailed') return false;
      if (quotaCode === 'ConditionalCheckFailed') {
        throw new Error(`annotation ${annotationId} has no quota item`);
      }
      if (attempt >= MAX_TRANSACTION_ATTEMPTS) throw error;
      await retryPause(attempt);
    }
  }
}

// ── Reconciler ──────────────────────────────────────────────────────────────────────────────────────────────────

export interface PendingRef {
  certId: string;
  annotationId: string;
}

/** PENDING annotations applied for before `olderThan`, oldest first, at most `limit` (gsi2, keys only). */
export async function findStalePending(olderThan: Date, limit: number): Promise<PendingRef[]> {
  const found: PendingRef[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const out = await ddb().send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: pendingIndex.name,
        KeyConditionExpression: '#gpk = :pending AND #gsk < :cutoff',
        ExpressionAttributeNames: { '#gpk': pendingIndex.partitionKey, '#gsk': pendingIndex.sortKey },
        ExpressionAttributeValues: { ':pending': keys.pendingPartition, ':cutoff': olderThan.toISOString() },
        Limit: limit - found.length,
        ExclusiveStartKey: cursor,
      }),
    );
    for (const item of out.Items ?? []) {
      const pk = String(item[TABLE.partitionKey]);
      const sk = String(item[TABLE.sortKey]);
      const certPrefix = keys.certificate('').pk;
      if (!pk.startsWith(certPrefix) || !sk.startsWith(keys.annotationPrefix)) continue;
      found.push({ certId: pk.slice(certPrefix.length), annotationId: sk.slice(keys.annotationPrefix.length) });
    }
    cursor = out.LastEvaluatedKey;
  } while (cursor && found.length < limit);
  return found;
}

/**
 * Counts one re-enqueue, on the condition that the annotation is still PENDING and nobody else counted it since
 * `expectedCount` was read (two overlapping reconciler runs re-enqueue once). False when the condition fails.
 */
export async function recordReenqueue(
  certId: string,
  annotationId: string,
  expectedCount: number,
  at: Date = new Date(),
): Promise<boolean> {
  try {
    await ddb().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.annotation(certId, annotationId),
        UpdateExpression: 'SET enqueueCount = :next, lastEnqueuedAt = :at',
        ConditionExpression:
          expectedCount === 0
            ? '#status = :pending AND (attribute_not_exists(enqueueCount) OR enqueueCount = :expected)'
            : '#status = :pending AND enqueueCount = :expected',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':pending': PENDING,
          ':expected': expectedCount,
          ':next': expectedCount + 1,
          ':at': at.toISOString(),
        },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}
