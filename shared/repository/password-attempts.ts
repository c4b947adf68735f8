import { DeleteCommand, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb } from '../aws/clients';
import type { IdType } from '../domain/identity';
import { delayAfterFailures, LOCKOUT, type SourceState } from '../domain/lockout';
import { keys } from '../resources/table';
import { epochSeconds, isConditionFailure, tableName } from './dynamo';

/**
 * Password failures per (identity, source) — shared/domain/lockout.ts has the rules. Each try is claimed by a
 * compare-and-set on the source's record that already counts it as a failure and sets the delay a failure would
 * earn; a success deletes the record again. So concurrent guesses from one source are serialised and each pays its
 * delay, without any read-then-write. The record exists for identities with and without an account alike.
 */
export interface AttemptScope {
  idType: IdType;
  idHash: string;
  /** Keyed hash of the source unit (sourceUnit()), never the address. */
  sourceHash: string;
}

export interface SourceRecord extends SourceState {
  lastAt: number;
}

export async function getSourceRecord(scope: AttemptScope): Promise<SourceRecord | undefined> {
  const out = await ddb().send(
    new GetCommand({ TableName: tableName(), Key: keys.loginSource(scope.idType, scope.idHash, scope.sourceHash), ConsistentRead: true }),
  );
  const item = out.Item;
  if (!item) return undefined;
  return { failures: Number(item.failures), notBefore: Number(item.notBefore), lastAt: Number(item.lastAt) };
}

/** Failures older than a day no longer count: the source starts afresh. */
export function effectiveFailures(record: SourceRecord | undefined, nowMs: number): number {
  if (!record || nowMs - record.lastAt > LOCKOUT.sourceMemorySeconds * 1000) return 0;
  return record.failures;
}

/**
 * Claims one try as if it will fail. False when another try of the same source changed the record first (or its delay
 * has not passed): the caller answers "try again shortly".
 */
export async function claimAttempt(scope: AttemptScope, current: SourceRecord | undefined, now: Date): Promise<{ claimed: boolean; failures: number }> {
  const nowMs = now.getTime();
  const failures = effectiveFailures(current, nowMs) + 1;
  const notBefore = nowMs + delayAfterFailures(failures) * 1000;
  try {
    await ddb().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.loginSource(scope.idType, scope.idHash, scope.sourceHash),
        UpdateExpression: 'SET failures = :failures, notBefore = :notBefore, lastAt = :now, validUntil = :ttl',
        ConditionExpression: current
          ? 'failures = :seenFailures AND lastAt = :seenLastAt AND notBefore <= :now'
          : 'attribute_not_exists(pk)',
        ExpressionAttributeValues: {
          ':failures': failures,
          ':notBefore': notBefore,
          ':now': nowMs,
          ':ttl': epochSeconds(now) + LOCKOUT.sourceMemorySeconds + LOCKOUT.maxDelaySeconds,
          ...(current ? { ':seenFailures': current.failures, ':seenLastAt': current.lastAt } : {}),
        },
      }),
    );
    return { claimed: true, failures };
  } catch (error) {
    if (isConditionFailure(error)) return { claimed: false, failures };
    throw error;
  }
}

/**
 * The claimed try failed: its delay runs from when the failure was known, not from the claim, so a slow password
 * comparison (a busy container) cannot use up the wait it earns. Skipped when a later try of the source already
 * changed the record.
 */
export async function holdSourceAfterFailure(scope: AttemptScope, claimedFailures: number, claimedAt: Date, failedAt: Date): Promise<void> {
  const delayMs = delayAfterFailures(claimedFailures) * 1000;
  if (delayMs === 0) return;
  await ddb()
    .send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.loginSource(scope.idType, scope.idHash, scope.sourceHash),
        UpdateExpression: 'SET notBefore = :notBefore',
        ConditionExpression: 'failures = :claimed AND lastAt = :claimedAt',
        ExpressionAttributeValues: { ':notBefore': failedAt.getTime() + delayMs, ':claimed': claimedFailures, ':claimedAt': claimedAt.getTime() },
      }),
    )
    .catch((error) => {
      if (!isConditionFailure(error)) throw error;
    });
}

/** The claimed try was right: the source's failures are forgotten (unless a later try of it already counted). */
export async function forgetSourceFailures(scope: AttemptScope, claimedFailures: number): Promise<void> {
  await ddb()
    .send(
      new DeleteCommand({
        TableName: tableName(),
        Key: keys.loginSource(scope.idType, scope.idHash, scope.sourceHash),
        ConditionExpression: 'failures = :claimed',
        ExpressionAttributeValues: { ':claimed': claimedFailures },
      }),
    )
    .catch((error) => {
      if (!isConditionFailure(error)) throw error;
    });
}

/** Helpdesk `holder unlock`: every source's failures against the identity are forgotten. Returns how many. */
export async function forgetAllSourceFailures(idType: IdType, idHash: string): Promise<number> {
  const pk = keys.loginSource(idType, idHash, '').pk;
  let removed = 0;
  let cursor: Record<string, unknown> | undefined;
  do {
    const out = await ddb().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :source)',
        ExpressionAttributeValues: { ':pk': pk, ':source': 'SOURCE#' },
        ProjectionExpression: 'pk, sk',
        ConsistentRead: true,
        ExclusiveStartKey: cursor,
      }),
    );
    for (const item of out.Items ?? []) {
      await ddb().send(new DeleteCommand({ TableName: tableName(), Key: { pk: item.pk, sk: item.sk } }));
      removed++;
    }
    cursor = out.LastEvaluatedKey;
  } while (cursor);
  return removed;
}
