import { BatchGetCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { backoff } from '../aws/backoff';
import { ddb } from '../aws/clients';
import { ENV, requireEnv } from '../config/env';

/** Bits every repository module shares. */
export const tableName = (): string => requireEnv(ENV.tableName);

// By name: the document client may surface the exception class of another copy of @aws-sdk/client-dynamodb.
export const isConditionFailure = (error: unknown): boolean =>
  (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';

export const isTransactionCanceled = (error: unknown): boolean =>
  (error as { name?: string } | null)?.name === 'TransactionCanceledException';

/** Which items of a cancelled transaction failed their condition (by position). */
export function cancellationCodes(error: unknown): Array<string | undefined> {
  const reasons = (error as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons ?? [];
  return reasons.map((reason) => reason.Code);
}

export const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);

/** Every item a query matches, following LastEvaluatedKey page by page. */
export async function queryAll(input: Omit<QueryCommandInput, 'ExclusiveStartKey'>): Promise<Array<Record<string, unknown>>> {
  const items: Array<Record<string, unknown>> = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const out = await ddb().send(new QueryCommand({ ...input, ExclusiveStartKey: cursor }));
    items.push(...(out.Items ?? []));
    cursor = out.LastEvaluatedKey;
  } while (cursor);
  return items;
}

const BATCH_GET_LIMIT = 100;
const BATCH_GET_MAX_ATTEMPTS = 8;

/**
 * BatchGetItem with the retry of UnprocessedKeys that DynamoDB leaves to the caller (with jittered backoff). Items
 * come back in no particular order; a key with no item is simply absent. One request for up to 100 keys instead of
 * one per key: on DynamoDB Local, where the per-request overhead is most of the cost, that is most of the saving.
 */
export async function batchGet(keyList: Array<Record<string, string>>, options: { consistent?: boolean } = {}): Promise<Array<Record<string, unknown>>> {
  const table = tableName();
  const items: Array<Record<string, unknown>> = [];
  for (let start = 0; start < keyList.length; start += BATCH_GET_LIMIT) {
    let pending: Array<Record<string, unknown>> = keyList.slice(start, start + BATCH_GET_LIMIT);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= BATCH_GET_MAX_ATTEMPTS) {
        throw new Error(`BatchGetItem left ${pending.length} keys unprocessed after ${BATCH_GET_MAX_ATTEMPTS} attempts`);
      }
      if (attempt > 0) await backoff(attempt, 25, 1000);
      const out = await ddb().send(
        new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: options.consistent ?? false } } }),
      );
      items.push(...(out.Responses?.[table] ?? []));
      pending = out.UnprocessedKeys?.[table]?.Keys ?? [];
    }
  }
  return items;
}
