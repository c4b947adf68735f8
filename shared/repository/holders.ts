import { DeleteCommand, GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb } from '../aws/clients';
import type { IdType } from '../domain/identity';
import { FAILURE_WINDOW_SECONDS, LOCK_SECONDS, MAX_FAILED_LOGINS } from '../domain/login-throttle';
import { keys } from '../resources/table';
import { cancellationCodes, epochSeconds, isConditionFailure, isTransactionCanceled, tableName } from './dynamo';
import { optionalNumber, optionalString, requiredString, type Item } from './item-codec';

/**
 * Holder accounts. The identity item (IDENTITY#<idType>#<idHash>) makes one account per document a database fact:
 * it is written in the same transaction as the profile, on the condition that it does not exist yet.
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

export async function createHolder(holder: Omit<Holder, 'tokenVersion' | 'noticeVersion' | 'noticeAcceptedAt'>) {
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
              Item: { ...keys.holder(holder.holderId), ...holder, tokenVersion: 0 },
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

export async function getHolder(holderId: string): Promise<Holder | undefined> {
  const out = await ddb().send(new GetCommand({ TableName: tableName(), Key: keys.holder(holderId) }));
  return out.Item ? toHolder(out.Item) : undefined;
}

export async function findHolderByIdentity(idType: IdType, idHash: string): Promise<Holder | undefined> {
  const identity = await ddb().send(new GetCommand({ TableName: tableName(), Key: keys.identity(idType, idHash) }));
  const holderId = identity.Item?.holderId;
  return typeof holderId === 'string' ? getHolder(holderId) : undefined;
}

/** Records the accepted notice version; the condition keeps a deleted account from being recreated by an upsert. */
export async function acceptNotice(holderId: string, version: string, at: Date): Promise<void> {
  await ddb().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: keys.holder(holderId),
      UpdateExpression: 'SET noticeVersion = :v, noticeAcceptedAt = :at',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':v': version, ':at': at.toISOString() },
    }),
  );
}

/**
 * Replaces the password and bumps the token version, which ends every session issued before. The condition on the
 * version the caller authenticated with makes two concurrent changes impossible to interleave.
 */
export async function changePassword(holderId: string, passwordHash: string, expectedTokenVersion: number): Promise<boolean> {
  try {
    await ddb().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.holder(holderId),
        UpdateExpression: 'SET passwordHash = :h, tokenVersion = tokenVersion + :one',
        ConditionExpression: 'attribute_exists(pk) AND tokenVersion = :expected',
        ExpressionAttributeValues: { ':h': passwordHash, ':one': 1, ':expected': expectedTokenVersion },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

// ── Login throttling (the rule: shared/domain/login-throttle.ts) ────────────────────────────────────────────────

export async function loginLockedUntil(idType: IdType, idHash: string, now: Date): Promise<Date | undefined> {
  const out = await ddb().send(
    new GetCommand({ TableName: tableName(), Key: keys.loginAttempts(idType, idHash), ConsistentRead: true }),
  );
  const lockedUntil = out.Item?.lockedUntil;
  return typeof lockedUntil === 'number' && lockedUntil > now.getTime() ? new Date(lockedUntil) : undefined;
}

/**
 * Counts one failed login atomically and locks the identity when the count reaches the limit. Every step is a
 * conditional write: concurrent failures each count once and exactly one of them sets the lock.
 */
export async function recordFailedLogin(idType: IdType, idHash: string, now: Date): Promise<{ lockedUntil?: Date }> {
  const Key = keys.loginAttempts(idType, idHash);
  const nowMs = now.getTime();
  const ttl = epochSeconds(now) + FAILURE_WINDOW_SECONDS + LOCK_SECONDS + 3600;
  let failures: number;
  try {
    // A fresh window: no record yet, or the last window is over and no lock is in force.
    await ddb().send(
      new UpdateCommand({
        TableName: tableName(),
        Key,
        UpdateExpression: 'SET failures = :one, windowStart = :now, validUntil = :ttl REMOVE lockedUntil',
        ConditionExpression:
          'attribute_not_exists(pk) OR (windowStart < :cutoff AND (attribute_not_exists(lockedUntil) OR lockedUntil < :now))',
        ExpressionAttributeValues: { ':one': 1, ':now': nowMs, ':ttl': ttl, ':cutoff': nowMs - FAILURE_WINDOW_SECONDS * 1000 },
      }),
    );
    failures = 1;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    try {
      const out = await ddb().send(
        new UpdateCommand({
          TableName: tableName(),
          Key,
          UpdateExpression: 'ADD failures :one SET validUntil = :ttl',
          ConditionExpression: 'attribute_not_exists(lockedUntil) OR lockedUntil < :now',
          ExpressionAttributeValues: { ':one': 1, ':now': nowMs, ':ttl': ttl },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      failures = Number(out.Attributes?.failures ?? 1);
    } catch (inner) {
      if (!isConditionFailure(inner)) throw inner;
      const lockedUntil = (inner as { Item?: Item }).Item?.lockedUntil;
      return { lockedUntil: new Date(typeof lockedUntil === 'number' ? lockedUntil : nowMs + LOCK_SECONDS * 1000) };
    }
  }
  if (failures < MAX_FAILED_LOGINS) return {};
  const lockedUntil = nowMs + LOCK_SECONDS * 1000;
  try {
    await ddb().send(
      new UpdateCommand({
        TableName: tableName(),
        Key,
        UpdateExpression: 'SET lockedUntil = :until, failures = :zero, windowStart = :now',
        ConditionExpression: 'failures >= :max',
        ExpressionAttributeValues: { ':until': lockedUntil, ':zero': 0, ':now': nowMs, ':max': MAX_FAILED_LOGINS },
      }),
    );
  } catch (error) {
    // A concurrent failure set the lock first; the identity is locked either way.
    if (!isConditionFailure(error)) throw error;
  }
  return { lockedUntil: new Date(lockedUntil) };
}

export async function clearFailedLogins(idType: IdType, idHash: string): Promise<void> {
  await ddb().send(
    new DeleteCommand({
      TableName: tableName(),
      Key: keys.loginAttempts(idType, idHash),
      // Never lift a lock that a concurrent failure just set.
      ConditionExpression: 'attribute_not_exists(lockedUntil) OR lockedUntil < :now',
      ExpressionAttributeValues: { ':now': Date.now() },
    }),
  ).catch((error) => {
    if (!isConditionFailure(error)) throw error;
  });
}
