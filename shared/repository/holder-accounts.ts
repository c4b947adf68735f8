import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb } from '../aws/clients';
import { STAMP_ATTRIBUTE, type ChangeStamp } from '../domain/audit';
import type { Contact } from '../domain/contact-point';
import type { IdType } from '../domain/identity';
import { keys } from '../resources/table';
import { cancellationCodes, isConditionFailure, isTransactionCanceled, tableName } from './dynamo';
import { CONTACT_ATTRIBUTES, contactAttributes } from './holder-contacts';
import { consumeCodeItem, type StoredCode } from './one-time-codes';

/**
 * Account changes of issue 11. A change that a code allowed is one TransactWriteItems: the change itself and the use
 * of the code (a conditional delete — a code works once even when requests race); either condition failing cancels
 * both. Every write of the account item carries its change stamp (`lastChange`, shared/domain/audit.ts), which the
 * table's stream turns into the audit event — the change and its record are one write. The conditions on
 * `tokenVersion` make a change and a concurrent one impossible to interleave; bumping it ends every session issued
 * before.
 */
export class AccountChangeConflictError extends Error {
  override name = 'AccountChangeConflictError';
  constructor(readonly reason: 'IDENTITY_TAKEN' | 'CODE_USED' | 'ACCOUNT_CHANGED') {
    super(`account change cancelled: ${reason}`);
  }
}

type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

async function transact(items: TransactItem[], reasons: Array<AccountChangeConflictError['reason']>): Promise<void> {
  try {
    await ddb().send(new TransactWriteCommand({ TransactItems: items }));
  } catch (error) {
    if (!isTransactionCanceled(error)) throw error;
    const failed = cancellationCodes(error).findIndex((code) => code === 'ConditionalCheckFailed');
    throw new AccountChangeConflictError(reasons[failed] ?? 'ACCOUNT_CHANGED');
  }
}

/** Names the attributes of an update so none collides with a reserved word (`name`). */
function setClause(values: Record<string, unknown>, prefix: string) {
  const names: Record<string, string> = {};
  const expressionValues: Record<string, unknown> = {};
  const parts = Object.entries(values).map(([attribute, value], i) => {
    names[`#${prefix}${i}`] = attribute;
    expressionValues[`:${prefix}${i}`] = value;
    return `#${prefix}${i} = :${prefix}${i}`;
  });
  return { parts, names, values: expressionValues };
}

export interface NewAccount {
  holderId: string;
  name: string;
  idType: IdType;
  idHash: string;
  idNumberMasked: string;
  passwordHash: string;
  contact?: Contact;
  createdAt: Date;
}

/** A new account for an identity that has none, its contact verified by the code. */
export async function createAccount(account: NewAccount, code: StoredCode, stamp: ChangeStamp): Promise<void> {
  const { contact, createdAt, ...profile } = account;
  const at = createdAt.toISOString();
  await transact(
    [
      {
        Put: {
          TableName: tableName(),
          Item: { ...keys.identity(account.idType, account.idHash), holderId: account.holderId, createdAt: at },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: tableName(),
          Item: {
            ...keys.holder(account.holderId),
            ...profile,
            createdAt: at,
            tokenVersion: 0,
            ...(contact ? contactAttributes(contact, createdAt) : {}),
            [STAMP_ATTRIBUTE]: stamp,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      consumeCodeItem(code),
    ],
    ['IDENTITY_TAKEN', 'IDENTITY_TAKEN', 'CODE_USED'],
  );
}

/**
 * Re-registration (issue 11 §3): the identity's account gets the new name, password and contact — the contact the
 * code proved, or none (a recovery code proves no contact; the old one, maybe a squatter's, must not stay) — and must
 * accept the service notice again. The holder id stays; every session ends.
 */
export async function replaceAccount(
  input: { holderId: string; seenTokenVersion: number; name: string; passwordHash: string; contact?: Contact; at: Date },
  code: StoredCode,
  stamp: ChangeStamp,
): Promise<void> {
  const set = setClause(
    {
      name: input.name,
      passwordHash: input.passwordHash,
      replacedAt: input.at.toISOString(),
      ...(input.contact ? contactAttributes(input.contact, input.at) : {}),
      [STAMP_ATTRIBUTE]: stamp,
    },
    's',
  );
  const removed = ['noticeVersion', 'noticeAcceptedAt', ...(input.contact ? [] : Object.values(CONTACT_ATTRIBUTES))];
  const removeNames = Object.fromEntries(removed.map((attribute, i) => [`#r${i}`, attribute]));
  await transact(
    [
      {
        Update: {
          TableName: tableName(),
          Key: keys.holder(input.holderId),
          UpdateExpression: `SET ${set.parts.join(', ')}, tokenVersion = tokenVersion + :one REMOVE ${Object.keys(removeNames).join(', ')}`,
          ConditionExpression: 'attribute_exists(pk) AND tokenVersion = :seen',
          ExpressionAttributeNames: { ...set.names, ...removeNames },
          ExpressionAttributeValues: { ...set.values, ':one': 1, ':seen': input.seenTokenVersion },
        },
      },
      consumeCodeItem(code),
    ],
    ['ACCOUNT_CHANGED', 'CODE_USED'],
  );
}

/** A new password after a forgotten one; every session ends. */
export async function resetAccountPassword(
  input: { holderId: string; seenTokenVersion: number; passwordHash: string; at: Date },
  code: StoredCode,
  stamp: ChangeStamp,
): Promise<void> {
  await transact(
    [
      {
        Update: {
          TableName: tableName(),
          Key: keys.holder(input.holderId),
          UpdateExpression: 'SET passwordHash = :hash, passwordResetAt = :at, tokenVersion = tokenVersion + :one, #stamp = :stamp',
          ConditionExpression: 'attribute_exists(pk) AND tokenVersion = :seen',
          ExpressionAttributeNames: { '#stamp': STAMP_ATTRIBUTE },
          ExpressionAttributeValues: { ':hash': input.passwordHash, ':at': input.at.toISOString(), ':one': 1, ':seen': input.seenTokenVersion, ':stamp': stamp },
        },
      },
      consumeCodeItem(code),
    ],
    ['ACCOUNT_CHANGED', 'CODE_USED'],
  );
}

/** The holder corrects their name (the password was checked); sessions stay. */
export async function renameAccount(input: { holderId: string; seenTokenVersion: number; name: string; at: Date }, stamp: ChangeStamp): Promise<void> {
  try {
    await ddb().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.holder(input.holderId),
        UpdateExpression: 'SET #name = :name, renamedAt = :at, #stamp = :stamp',
        ConditionExpression: 'attribute_exists(pk) AND tokenVersion = :seen',
        ExpressionAttributeNames: { '#name': 'name', '#stamp': STAMP_ATTRIBUTE },
        ExpressionAttributeValues: { ':name': input.name, ':at': input.at.toISOString(), ':seen': input.seenTokenVersion, ':stamp': stamp },
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) throw new AccountChangeConflictError('ACCOUNT_CHANGED');
    throw error;
  }
}

/** A new verified contact (the code reached it). */
export async function changeAccountContact(
  input: { holderId: string; seenTokenVersion: number; contact: Contact; at: Date },
  code: StoredCode,
  stamp: ChangeStamp,
): Promise<void> {
  const set = setClause({ ...contactAttributes(input.contact, input.at), [STAMP_ATTRIBUTE]: stamp }, 'c');
  await transact(
    [
      {
        Update: {
          TableName: tableName(),
          Key: keys.holder(input.holderId),
          UpdateExpression: `SET ${set.parts.join(', ')}`,
          ConditionExpression: 'attribute_exists(pk) AND tokenVersion = :seen',
          ExpressionAttributeNames: set.names,
          ExpressionAttributeValues: { ...set.values, ':seen': input.seenTokenVersion },
        },
      },
      consumeCodeItem(code),
    ],
    ['ACCOUNT_CHANGED', 'CODE_USED'],
  );
}

/**
 * Rewrites a hash made with older scrypt parameters after a successful login (needsRehash), on the condition that
 * the stored hash is still the one that was checked. Losing that race changes nothing worth a retry.
 */
export async function upgradePasswordHash(holderId: string, checkedHash: string, newHash: string, stamp: ChangeStamp): Promise<void> {
  await ddb()
    .send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.holder(holderId),
        UpdateExpression: 'SET passwordHash = :new, #stamp = :stamp',
        ConditionExpression: 'passwordHash = :checked',
        ExpressionAttributeNames: { '#stamp': STAMP_ATTRIBUTE },
        ExpressionAttributeValues: { ':new': newHash, ':checked': checkedHash, ':stamp': stamp },
      }),
    )
    .catch((error) => {
      if (!isConditionFailure(error)) throw error;
    });
}
