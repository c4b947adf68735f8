import {
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { backoff } from '../aws/backoff';
import { ddb } from '../aws/clients';
import type { Annotation, QuotaSlots, StoredAnnotationStatus } from '../domain/annotation';
import type { Certificate, CertificateStatus } from '../domain/certificate';
import { keys, PENDING_SHARDS, TABLE } from '../resources/table';
import { toCertificate } from './certificates';
import { batchGet, cancellationCodes, isConditionFailure, isTransactionCanceled, tableName } from './dynamo';
import { toIdempotencyRecord, type IdempotencyRecord } from './idempotency';
import { optionalNumber, optionalString, requiredString, type Item } from './item-codec';
import { verificationPut } from './verifications';

/**
 * DynamoDB access for annotations and the quota they count against (docs/annotations.md, docs/table-design.md). It
 * only persists: what to write and when is decided in shared/services/annotations-*.ts. Every state change is a
 * conditional write, so the decisions hold under any concurrency.
 *
 * The quota (R4) lives on the certificate item itself (`quotaSlots`, `quotaVersion`): the apply transaction's one
 * Update of that item checks `status = VALID` and the version read in the same condition, instead of a separate quota
 * item plus a ConditionCheck of the certificate — one transactional item (2 write units) fewer per annotation.
 */

const PENDING: StoredAnnotationStatus = 'PENDING';
const pendingIndex = TABLE.indexes.pendingAnnotations;
/** Attributes of the certificate item that hold its quota. */
export const QUOTA_SLOTS = 'quotaSlots';
export const QUOTA_VERSION = 'quotaVersion';
const MAX_FAIL_ATTEMPTS = 10;

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** @deprecated the stored annotation is the domain Annotation (its bookkeeping included); kept for existing imports. */
export type StoredAnnotation = Annotation;

/** gsi2sk of a PENDING annotation: oldest first, so the reconciler's range query reads exactly the stale ones. */
export const pendingSortKey = (appliedAt: string, certId: string, annotationId: string): string =>
  `${appliedAt}#${certId}#${annotationId}`;

// ── Item mapping ────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * The one place an annotation becomes an item. `validUntil` is the table's TTL attribute, so the item holds it as
 * epoch seconds (rounded up: TTL must never remove an annotation before its end) and keeps the ISO time in
 * `validUntilIso`. A PENDING annotation carries its gsi2 keys (its shard derives from its id).
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
          [pendingIndex.partitionKey]: keys.pendingPartition(annotation.annotationId),
          [pendingIndex.sortKey]: pendingSortKey(annotation.appliedAt, annotation.certId, annotation.annotationId),
        }
      : {}),
  };
}

/** The one place an item becomes a domain Annotation (keys, index and TTL attributes stay behind). */
export function toAnnotation(item: Item): Annotation {
  const annotation: Annotation = {
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
    failureCode: optionalString(item, 'failureCode'),
    failedAt: optionalString(item, 'failedAt'),
    renderAttempts: optionalNumber(item, 'renderAttempts'),
    lastFailure: optionalString(item, 'lastFailure'),
    lastFailedAt: optionalString(item, 'lastFailedAt'),
    enqueueCount: optionalNumber(item, 'enqueueCount'),
    lastEnqueuedAt: optionalString(item, 'lastEnqueuedAt'),
    remind: item.remind === true ? true : undefined,
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
): Promise<Annotation | undefined> {
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
export async function listAnnotations(certId: string): Promise<Annotation[]> {
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
  /** Optimistic-concurrency version; 0 before the certificate's first annotation. */
  version: number;
  /** The certificate's status as read with the quota; undefined when there is no such certificate. */
  certificateStatus?: CertificateStatus;
}

const toQuotaState = (item: Item | undefined): QuotaState =>
  item
    ? {
        slots: (item[QUOTA_SLOTS] as QuotaSlots | undefined) ?? {},
        version: Number(item[QUOTA_VERSION] ?? 0),
        certificateStatus: item.status as CertificateStatus,
      }
    : { slots: {}, version: 0 };

const sameKey = (item: Item, key: { pk: string; sk: string }) =>
  item[TABLE.partitionKey] === key.pk && item[TABLE.sortKey] === key.sk;

/**
 * What an apply attempt decides on, in one strongly consistent BatchGetItem: the certificate's quota and status and,
 * for a keyed request, the live idempotency record.
 */
export async function readApplicationState(
  certId: string,
  idempotency: { holderId: string; key: string } | undefined,
  now: Date,
): Promise<{ quota: QuotaState; record?: IdempotencyRecord; certificateItem?: Item }> {
  const certificateKey = keys.certificate(certId);
  const recordKey = idempotency && keys.idempotency(idempotency.holderId, idempotency.key);
  const items = await batchGet(recordKey ? [certificateKey, recordKey] : [certificateKey], { consistent: true });
  const recordItem = recordKey && items.find((item) => sameKey(item, recordKey));
  const record = recordItem ? toIdempotencyRecord(recordItem, idempotency!.key, now) : undefined;
  const certificateItem = items.find((item) => sameKey(item, certificateKey));
  return { quota: toQuotaState(certificateItem), ...(record ? { record } : {}), ...(certificateItem ? { certificateItem } : {}) };
}

/** What rendering one annotation reads, in one strongly consistent BatchGetItem: the annotation and its certificate. */
export async function readRenderState(certId: string, annotationId: string): Promise<{ annotation?: Annotation; certificate?: Certificate }> {
  const annotationKey = keys.annotation(certId, annotationId);
  const certificateKey = keys.certificate(certId);
  const items = await batchGet([annotationKey, certificateKey], { consistent: true });
  const annotationItem = items.find((item) => sameKey(item, annotationKey));
  const certificateItem = items.find((item) => sameKey(item, certificateKey));
  return {
    ...(annotationItem ? { annotation: toAnnotation(annotationItem) } : {}),
    ...(certificateItem ? { certificate: toCertificate(certificateItem) } : {}),
  };
}

/** A certificate's quota and status, strongly consistent (the apply decides on it). */
export async function getQuota(certId: string): Promise<QuotaState> {
  const out = await ddb().send(
    new GetCommand({
      TableName: tableName(),
      Key: keys.certificate(certId),
      ConsistentRead: true,
      ProjectionExpression: '#slots, #version, #status',
      ExpressionAttributeNames: { '#slots': QUOTA_SLOTS, '#version': QUOTA_VERSION, '#status': 'status' },
    }),
  );
  return toQuotaState(out.Item);
}

// ── Apply ───────────────────────────────────────────────────────────────────────────────────────────────────────

/** Why the apply transaction did not commit; the use case re-reads and decides what that means. */
export type CommitRefusal =
  /** The certificate item failed its condition: its quota moved (another application, a freed slot) or it is no longer VALID. */
  | 'certificate-changed'
  /** A live record for the same Idempotency-Key exists: a concurrent request with that key won. */
  | 'idempotency-key-taken'
  /** A transaction conflict or throttling: nothing was decided, try again. */
  | 'contention';

export class ApplicationNotCommittedError extends Error {
  override name = 'ApplicationNotCommittedError';
  constructor(readonly refusal: CommitRefusal) {
    super(`the apply transaction was cancelled (${refusal})`);
  }
}

const RETRYABLE_CODES = new Set(['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded']);

/**
 * One attempt at admitting an application, in one TransactWriteItems: Put the annotation (PENDING, in its gsi2
 * shard), Update the certificate's quota to `slots` on the condition that it is still VALID and its quota version is
 * the one read, and Put the idempotency record if the request carried a key. Throws ApplicationNotCommittedError.
 */
export async function commitApplication(input: {
  annotation: Annotation;
  /** The slots to store: the live ones read, plus the new annotation's. */
  slots: QuotaSlots;
  seenVersion: number;
  idempotencyPut?: TransactItem;
  /** Items created with the annotation (its expiry reminders), so neither exists without the other. */
  alsoPut?: Item[];
}): Promise<void> {
  const { annotation, slots, seenVersion } = input;
  const table = tableName();
  const transactItems: TransactItem[] = [
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
        Key: keys.certificate(annotation.certId),
        UpdateExpression: 'SET #slots = :slots, #version = :next',
        ConditionExpression:
          seenVersion === 0
            ? '#status = :valid AND attribute_not_exists(#version)'
            : '#status = :valid AND #version = :seen',
        ExpressionAttributeNames: { '#slots': QUOTA_SLOTS, '#version': QUOTA_VERSION, '#status': 'status' },
        ExpressionAttributeValues: {
          ':slots': slots,
          ':next': seenVersion + 1,
          ':valid': 'VALID' satisfies CertificateStatus,
          ...(seenVersion === 0 ? {} : { ':seen': seenVersion }),
        },
      },
    },
  ];
  if (input.idempotencyPut) transactItems.push(input.idempotencyPut);
  for (const Item of input.alsoPut ?? []) transactItems.push({ Put: { TableName: table, Item } });

  try {
    await ddb().send(new TransactWriteCommand({ TransactItems: transactItems }));
  } catch (error) {
    if (!isTransactionCanceled(error)) throw error;
    const [, certificateCode, idempotencyCode] = input.idempotencyPut ? cancellationCodes(error) : [...cancellationCodes(error).slice(0, 2), undefined];
    if (idempotencyCode === 'ConditionalCheckFailed') throw new ApplicationNotCommittedError('idempotency-key-taken');
    if (certificateCode === 'ConditionalCheckFailed') throw new ApplicationNotCommittedError('certificate-changed');
    if (cancellationCodes(error).some((code) => code !== undefined && RETRYABLE_CODES.has(code))) {
      throw new ApplicationNotCommittedError('contention');
    }
    throw error;
  }
}

// ── State changes after the application ─────────────────────────────────────────────────────────────────────────

export interface RenderedDocument {
  objectKey: string;
  documentSha256: string;
  documentSize: number;
  renderedAt: string;
}

/**
 * The verification code's item (VERIFY#<code>) for a rendered document. Written before READY and apart from it — a
 * plain Put, half the write units of a transaction: nobody can know the code before READY (the holder's view hides
 * it while PENDING), and the render is deterministic, so a retry or a duplicate writes the same item again.
 */
export async function putVerificationRecord(annotation: Annotation, documentSha256: string, signerFingerprint?: string): Promise<void> {
  await ddb().send(new PutCommand(verificationPut(annotation, documentSha256, signerFingerprint)));
}

/**
 * PENDING → READY with the rendered document, counting the render attempt; call it once the object and the
 * verification record are stored. False (no throw) when the annotation is not PENDING any more: a duplicate delivery,
 * or it was marked FAILED meanwhile.
 */
export async function markAnnotationReady(annotation: Annotation, doc: RenderedDocument): Promise<boolean> {
  const { certId, annotationId } = annotation;
  try {
    await ddb().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.annotation(certId, annotationId),
        UpdateExpression:
          'SET #status = :ready, objectKey = :key, documentSha256 = :sha, documentSize = :size, renderedAt = :at ' +
          'ADD renderAttempts :one REMOVE #gpk, #gsk',
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status', '#gpk': pendingIndex.partitionKey, '#gsk': pendingIndex.sortKey },
        ExpressionAttributeValues: {
          ':ready': 'READY' satisfies StoredAnnotationStatus,
          ':pending': PENDING,
          ':key': doc.objectKey,
          ':sha': doc.documentSha256,
          ':size': doc.documentSize,
          ':at': doc.renderedAt,
          ':one': 1,
        },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

export interface FailureRecord {
  /** What the holder reads (Chinese, no personal data). */
  reason: string;
  /** Stable code (domain/render-failure). */
  code: string;
  /** True when a render was actually tried: the attempt is counted. */
  attempted: boolean;
}

/**
 * PENDING → FAILED and its quota slot freed, in one transaction (a failed annotation does not count, R4). Only for a
 * deterministic failure (domain/render-failure). False when the annotation is not PENDING (already READY or FAILED,
 * or missing). Retries transaction conflicts with concurrent applications on the certificate item. A certificate
 * item that is gone holds no quota: the annotation is then failed alone.
 */
export async function markAnnotationFailed(
  certId: string,
  annotationId: string,
  failure: FailureRecord,
  at: Date = new Date(),
): Promise<boolean> {
  const table = tableName();
  const when = at.toISOString();
  const annotationUpdate: TransactItem = {
    Update: {
      TableName: table,
      Key: keys.annotation(certId, annotationId),
      UpdateExpression: `SET #status = :failed, failureReason = :reason, failureCode = :code, failedAt = :at${
        failure.attempted ? ' ADD renderAttempts :one' : ''
      } REMOVE #gpk, #gsk`,
      ConditionExpression: '#status = :pending',
      ExpressionAttributeNames: { '#status': 'status', '#gpk': pendingIndex.partitionKey, '#gsk': pendingIndex.sortKey },
      ExpressionAttributeValues: {
        ':failed': 'FAILED' satisfies StoredAnnotationStatus,
        ':pending': PENDING,
        ':reason': failure.reason,
        ':code': failure.code,
        ':at': when,
        ...(failure.attempted ? { ':one': 1 } : {}),
      },
    },
  };
  const quotaUpdate: TransactItem = {
    Update: {
      TableName: table,
      Key: keys.certificate(certId),
      UpdateExpression: 'REMOVE #slots.#id SET #version = #version + :one',
      ConditionExpression: 'attribute_exists(#version)',
      ExpressionAttributeNames: { '#slots': QUOTA_SLOTS, '#id': annotationId, '#version': QUOTA_VERSION },
      ExpressionAttributeValues: { ':one': 1 },
    },
  };
  let withQuota = true;
  for (let attempt = 1; ; attempt++) {
    try {
      await ddb().send(new TransactWriteCommand({ TransactItems: withQuota ? [annotationUpdate, quotaUpdate] : [annotationUpdate] }));
      return true;
    } catch (error) {
      if (!isTransactionCanceled(error)) throw error;
      const [annotationCode, quotaCode] = cancellationCodes(error);
      if (annotationCode === 'ConditionalCheckFailed') return false;
      if (quotaCode === 'ConditionalCheckFailed') {
        withQuota = false;
        continue;
      }
      if (attempt >= MAX_FAIL_ATTEMPTS) throw error;
      await backoff(attempt, 10, 250);
    }
  }
}

/**
 * Counts a render attempt that failed transiently and records its code and time, on the condition that the
 * annotation is still PENDING (false otherwise). Its message is retried, then waits in the DLQ; the reconciler reads
 * `lastFailedAt` to know that a message exists and leaves it to the redrive.
 */
export async function recordRenderFailure(certId: string, annotationId: string, code: string, at: Date = new Date()): Promise<boolean> {
  try {
    await ddb().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.annotation(certId, annotationId),
        UpdateExpression: 'SET lastFailure = :code, lastFailedAt = :at ADD renderAttempts :one',
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':pending': PENDING, ':code': code, ':at': at.toISOString(), ':one': 1 },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

// ── Reconciler ──────────────────────────────────────────────────────────────────────────────────────────────────

export interface PendingRef {
  certId: string;
  annotationId: string;
  appliedAt: string;
}

function toPendingRef(item: Item): PendingRef | undefined {
  const pk = String(item[TABLE.partitionKey]);
  const sk = String(item[TABLE.sortKey]);
  const sortKey = String(item[pendingIndex.sortKey]);
  const certPrefix = keys.certificate('').pk;
  if (!pk.startsWith(certPrefix) || !sk.startsWith(keys.annotationPrefix)) return undefined;
  return {
    certId: pk.slice(certPrefix.length),
    annotationId: sk.slice(keys.annotationPrefix.length),
    appliedAt: sortKey.slice(0, sortKey.indexOf('#')),
  };
}

/** One shard's PENDING annotations applied for before `olderThan`, oldest first, at most `limit` (keys only). */
async function stalePendingInShard(shard: number, olderThan: Date, limit: number): Promise<PendingRef[]> {
  const found: PendingRef[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const out = await ddb().send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: pendingIndex.name,
        KeyConditionExpression: '#gpk = :shard AND #gsk < :cutoff',
        ExpressionAttributeNames: { '#gpk': pendingIndex.partitionKey, '#gsk': pendingIndex.sortKey },
        ExpressionAttributeValues: { ':shard': keys.pendingShard(shard), ':cutoff': olderThan.toISOString() },
        Limit: limit - found.length,
        ExclusiveStartKey: cursor,
      }),
    );
    for (const item of out.Items ?? []) {
      const ref = toPendingRef(item);
      if (ref) found.push(ref);
    }
    cursor = out.LastEvaluatedKey;
  } while (cursor && found.length < limit);
  return found;
}

/**
 * PENDING annotations applied for before `olderThan`, from every gsi2 shard (queried in parallel), oldest first, at
 * most `limit` in all.
 */
export async function findStalePending(olderThan: Date, limit: number): Promise<PendingRef[]> {
  const perShard = await Promise.all(
    Array.from({ length: PENDING_SHARDS }, (_, shard) => stalePendingInShard(shard, olderThan, limit)),
  );
  return perShard
    .flat()
    .sort((a, b) => (a.appliedAt < b.appliedAt ? -1 : a.appliedAt > b.appliedAt ? 1 : 0))
    .slice(0, limit);
}

/**
 * Counts one re-send, on the condition that the annotation is still PENDING and nobody else counted it since
 * `expectedCount` was read (two overlapping reconciler runs send once). False when the condition fails.
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
