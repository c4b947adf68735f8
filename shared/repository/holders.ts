import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb } from '../aws/clients';
import { STAMP_ATTRIBUTE, type ChangeStamp } from '../domain/audit';
import type { IdType } from '../domain/identity';
import { keys } from '../resources/table';
import { cancellationCodes, isConditionFailure, isTransactionCanceled, tableName } from './dynamo';
import { optionalNumber, optionalString, requiredString, type Item } from './item-codec';

/**
 * Holder accounts. The identity item (IDENTITY#<idType>#<idHash>) makes one account per document a database fact:
 * it is written in the same transaction as the profile, on the condition that it does not exist yet. Every write of
 * the profile carries its change stamp, which the table's stream turns into the audit event (shared/domain/audit.ts).
 */
export interface Holder {
  holderId: string;
  name: string;
  idType: IdType;
  idHash: string;
  idNumberMasked: string;
  passwordHash: string;
  tokenVersion: number;
  noticeVersion?: string;
  noticeAcceptedAt?: string;
  createdAt: string;
}

export class AlreadyRegisteredError extends Error {
  override name = 'AlreadyRegisteredError';
  constructor() {
    super('an account exists for this identity');
  }
}

function toHolder(item: Item): Holder {
  const noticeVersion = optionalString(item, 'noticeVersion');
  const noticeAcceptedAt = optionalString(item, 'noticeAcceptedAt');
  return {
    holderId: requiredString(item, 'holderId'),
    name: requiredString(item, 'name'),
    idType: requiredString(item, 'idType') as IdType,
    idHash: requiredString(item, 'idHash'),
    idNumberMasked: requiredString(item, 'idNumberMasked'),
    passwordHash: requiredString(item, 'passwordHash'),
    tokenVersion: optionalNumber(item, 'tokenVersion') ?? 0,
    ...(noticeVersion !== undefined ? { noticeVersion } : {}),
    ...(noticeAcceptedAt !== undefined ? { noticeAcceptedAt } : {}),
    createdAt: requiredString(item, 'createdAt'),
  };
}

export async function createHolder(holder: Omit<Holder, 'tokenVersion' | 'noticeVersion' | 'noticeAcceptedAt'>, stamp: ChangeStamp) {
  const identity = keys.identity(holder.idType, holder.idHash);
  try {
    await ddb().send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: tableName(),
              Item: { ...identity, holderId: holder.holderId, createdAt: holder.createdAt },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Put: {
              TableName: tableName(),
              Item: { ...keys.holder(holder.holderId), ...holder, tokenVersion: 0, [STAMP_ATTRIBUTE]: stamp },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
      }),
    );
  } catch (error) {
    if (isTransactionCanceled(error) && cancellationCodes(error)[0] === 'ConditionalCheckFailed') {
      throw new AlreadyRegisteredError();
    }
    throw error;
  }
}

/** `consistent`: a strongly consistent read, for a change that lost a race and decides again. */
export async function getHolder(holderId: string, { consistent = false } = {}): Promise<Holder | undefined> {
  const out = await ddb().send(new GetCommand({ TableName: tableName(), Key: keys.holder(holderId), ...(consistent ? { ConsistentRead: true } : {}) }));
  return out.Item ? toHolder(out.Item) : undefined;
}

export async function findHolderByIdentity(idType: IdType, idHash: string, options: { consistent?: boolean } = {}): Promise<Holder | undefined> {
  const identity = await ddb().send(
    new GetCommand({ TableName: tableName(), Key: keys.identity(idType, idHash), ...(options.consistent ? { ConsistentRead: true } : {}) }),
  );
  const holderId = identity.Item?.holderId;
  return typeof holderId === 'string' ? getHolder(holderId, options) : undefined;
}

/** Records the accepted notice version; the condition keeps a deleted account from being recreated by an upsert. */
export async function acceptNotice(holderId: string, version: string, at: Date, stamp: ChangeStamp): Promise<void> {
  await ddb().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: keys.holder(holderId),
      UpdateExpression: 'SET noticeVersion = :v, noticeAcceptedAt = :at, #stamp = :stamp',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#stamp': STAMP_ATTRIBUTE },
      ExpressionAttributeValues: { ':v': version, ':at': at.toISOString(), ':stamp': stamp },
    }),
  );
}

/**
 * Replaces the password and bumps the token version, which ends every session issued before. The condition on the
 * version the caller authenticated with makes two concurrent changes impossible to interleave.
 */
export async function changePassword(holderId: string, passwordHash: string, expectedTokenVersion: number, stamp: ChangeStamp): Promise<boolean> {
  try {
    await ddb().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.holder(holderId),
        UpdateExpression: 'SET passwordHash = :h, tokenVersion = tokenVersion + :one, #stamp = :stamp',
        ConditionExpression: 'attribute_exists(pk) AND tokenVersion = :expected',
        ExpressionAttributeNames: { '#stamp': STAMP_ATTRIBUTE },
        ExpressionAttributeValues: { ':h': passwordHash, ':one': 1, ':expected': expectedTokenVersion, ':stamp': stamp },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}
