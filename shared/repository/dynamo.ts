import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
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
