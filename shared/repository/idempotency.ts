import { GetCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { ddb } from '../aws/clients';
import { IDEMPOTENCY_TTL_SECONDS } from '../domain/idempotency';
import { keys, TABLE } from '../resources/table';
import { epochSeconds, tableName } from './dynamo';
import { requiredString } from './item-codec';

/**
 * Idempotency-Key records (IDEMPOTENCY#<holderId>#<key>, docs/table-design.md): which annotation a holder's keyed
 * request produced. Written only inside the apply transaction (`idempotencyRecordPut`), so a record exists exactly
 * when its annotation does; read before each apply attempt.
 */
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

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** A stored record back to its fields; undefined when it has expired (TTL may not have deleted it yet). */
export function toIdempotencyRecord(item: Record<string, unknown>, key: string, now: Date): IdempotencyRecord | undefined {
  if (Number(item[TABLE.ttlAttribute]) <= epochSeconds(now)) return undefined;
  return {
    holderId: requiredString(item, 'holderId'),
    key,
    requestHash: requiredString(item, 'requestHash'),
    certId: requiredString(item, 'certId'),
    annotationId: requiredString(item, 'annotationId'),
    createdAt: requiredString(item, 'createdAt'),
    validUntil: Number(item[TABLE.ttlAttribute]),
  };
}

/** A live record for (holder, key), or undefined. An expired one that TTL has not deleted yet counts as absent. */
export async function findIdempotencyRecord(holderId: string, key: string, now: Date = new Date()): Promise<IdempotencyRecord | undefined> {
  const out = await ddb().send(
    new GetCommand({ TableName: tableName(), Key: keys.idempotency(holderId, key), ConsistentRead: true }),
  );
  return out.Item ? toIdempotencyRecord(out.Item, key, now) : undefined;
}

/**
 * The Put of a new record, for the apply transaction. Its condition lets an expired record that TTL has not deleted
 * yet be replaced; a live one cancels the transaction (a concurrent request with the same key won).
 */
export function idempotencyRecordPut(
  record: Pick<IdempotencyRecord, 'holderId' | 'key' | 'requestHash' | 'certId' | 'annotationId'>,
  now: Date,
): TransactItem {
  return {
    Put: {
      TableName: tableName(),
      Item: {
        ...keys.idempotency(record.holderId, record.key),
        holderId: record.holderId,
        requestHash: record.requestHash,
        certId: record.certId,
        annotationId: record.annotationId,
        createdAt: now.toISOString(),
        [TABLE.ttlAttribute]: epochSeconds(now) + IDEMPOTENCY_TTL_SECONDS,
      },
      ConditionExpression: 'attribute_not_exists(#pk) OR #ttl <= :nowEpoch',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#ttl': TABLE.ttlAttribute },
      ExpressionAttributeValues: { ':nowEpoch': epochSeconds(now) },
    },
  };
}
