import { BatchWriteCommand, DeleteCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { backoff } from '../aws/backoff';
import { ddb } from '../aws/clients';
import { daysToScan, REMINDER_LOOKBACK_DAYS, REMINDER_SHARDS, reminderDay, reminderShard, type PlannedReminder } from '../domain/reminders';
import { keys } from '../resources/table';
import { epochSeconds, isConditionFailure, tableName } from './dynamo';
import { requiredString, type Item } from './item-codec';

/**
 * Expiry reminders (docs/accounts.md): one item per planned message in the partition of its due day and shard
 * (REMIND#<day>#<shard>, sorted by due time). The reminder job queries the partitions of the last few days for what
 * is due; nothing is removed on revocation, because the job decides from live state whether a reminder still goes.
 */
export interface Reminder {
  certId: string;
  annotationId: string;
  holderId: string;
  daysBefore: number;
  dueAt: string;
  validUntil: string;
}

const DAY_SECONDS = 86_400;
/** A claimed reminder whose sender died is claimable again after this long. */
export const REMINDER_CLAIM_SECONDS = 15 * 60;

function reminderKey(r: Pick<Reminder, 'annotationId' | 'dueAt' | 'daysBefore'>) {
  return {
    pk: keys.reminderPartition(reminderDay(new Date(r.dueAt)), reminderShard(r.annotationId)),
    sk: keys.reminderSort(r.dueAt, r.annotationId, r.daysBefore),
  };
}

export function reminderItems(
  annotation: { certId: string; annotationId: string; holderId: string; validUntil: string },
  plan: readonly PlannedReminder[],
): Item[] {
  return plan.map(({ daysBefore, dueAt }) => {
    const due = dueAt.toISOString();
    return {
      ...reminderKey({ annotationId: annotation.annotationId, dueAt: due, daysBefore }),
      certId: annotation.certId,
      annotationId: annotation.annotationId,
      holderId: annotation.holderId,
      daysBefore,
      dueAt: due,
      validUntilIso: annotation.validUntil,
      // TTL (housekeeping): once the job would no longer send it.
      validUntil: epochSeconds(dueAt) + (REMINDER_LOOKBACK_DAYS + 1) * DAY_SECONDS,
    };
  });
}

export async function putReminders(items: Item[]): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    let requests = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > 0) await backoff(attempt, 25, 1000);
      const out = await ddb().send(new BatchWriteCommand({ RequestItems: { [tableName()]: requests } }));
      requests = (out.UnprocessedItems?.[tableName()] ?? []) as typeof requests;
    }
  }
}

/** Every reminder due by `now` in the partitions still worth reading, oldest day first. */
export async function dueReminders(now: Date): Promise<Reminder[]> {
  const upTo = `${now.toISOString()}#\uffff`;
  const found: Reminder[] = [];
  for (const day of daysToScan(now)) {
    for (let shard = 0; shard < REMINDER_SHARDS; shard++) {
      let cursor: Record<string, unknown> | undefined;
      do {
        const out = await ddb().send(
          new QueryCommand({
            TableName: tableName(),
            KeyConditionExpression: 'pk = :pk AND sk <= :upTo',
            ExpressionAttributeValues: { ':pk': keys.reminderPartition(day, shard), ':upTo': upTo },
            ExclusiveStartKey: cursor,
          }),
        );
        for (const item of out.Items ?? []) found.push(toReminder(item));
        cursor = out.LastEvaluatedKey;
      } while (cursor);
    }
  }
  return found;
}

/** Claims a reminder for sending; false when another run has it (and is not overdue with it). */
export async function claimReminder(reminder: Reminder, now: Date): Promise<boolean> {
  try {
    await ddb().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: reminderKey(reminder),
        UpdateExpression: 'SET claimedAt = :now',
        ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(claimedAt) OR claimedAt < :stale)',
        ExpressionAttributeValues: { ':now': now.getTime(), ':stale': now.getTime() - REMINDER_CLAIM_SECONDS * 1000 },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Done with a reminder: sent, or no longer to be sent. */
export async function removeReminder(reminder: Reminder): Promise<void> {
  await ddb().send(new DeleteCommand({ TableName: tableName(), Key: reminderKey(reminder) }));
}

function toReminder(item: Item): Reminder {
  return {
    certId: requiredString(item, 'certId'),
    annotationId: requiredString(item, 'annotationId'),
    holderId: requiredString(item, 'holderId'),
    daysBefore: Number(item.daysBefore),
    dueAt: requiredString(item, 'dueAt'),
    validUntil: requiredString(item, 'validUntilIso'),
  };
}
