import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb } from '../aws/clients';
import type { Contact, ContactChannel } from '../domain/contact-point';
import type { IdType } from '../domain/identity';
import { CODE_MAX_TRIES, type CodeDestination, type CodeKind, type CodePurpose, type CodeRecord } from '../domain/one-time-code';
import { keys } from '../resources/table';
import { epochSeconds, isConditionFailure, tableName } from './dynamo';
import { optionalString, requiredString, type Item } from './item-codec';

/**
 * Stored one-time codes: one live code per (purpose, identity) — sending a new one replaces it — and one helpdesk
 * recovery code per identity. Only the keyed digest is stored. A try is counted before the code is compared (a
 * conditional write), so concurrent guesses can never exceed the 5 tries; using the code deletes it on the condition
 * that it is still the same code, which makes it single use even when two requests race.
 */
export type StoredPurpose = CodePurpose | 'RECOVERY';

export interface CodeScope {
  purpose: StoredPurpose;
  idType: IdType;
  idHash: string;
}

export interface StoredCode extends CodeRecord {
  scope: CodeScope;
  createdAt: string;
}

export async function putCode(input: {
  scope: CodeScope;
  kind: CodeKind;
  digest: string;
  expiresAt: Date;
  now: Date;
  sentTo?: { destination: CodeDestination; contact: Contact };
}): Promise<void> {
  const { scope } = input;
  await ddb().send(
    new PutCommand({
      TableName: tableName(),
      Item: {
        ...keys.oneTimeCode(scope.purpose, scope.idType, scope.idHash),
        kind: input.kind,
        purpose: scope.purpose,
        idType: scope.idType,
        idHash: scope.idHash,
        digest: input.digest,
        expiresAt: input.expiresAt.getTime(),
        tries: 0,
        createdAt: input.now.toISOString(),
        ...(input.sentTo
          ? { destination: input.sentTo.destination, contactChannel: input.sentTo.contact.channel, contactAddress: input.sentTo.contact.address }
          : {}),
        // Housekeeping only: reads check expiresAt.
        validUntil: epochSeconds(input.expiresAt) + 3600,
      },
    }),
  );
}

/**
 * Counts one try of the live code, if it may still be tried (exists, unexpired, fewer than 5 tries), and returns it
 * for comparison. Undefined: there is nothing that could match.
 */
export async function reserveCodeTry(scope: CodeScope, now: Date): Promise<StoredCode | undefined> {
  try {
    const out = await ddb().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.oneTimeCode(scope.purpose, scope.idType, scope.idHash),
        UpdateExpression: 'ADD tries :one',
        ConditionExpression: 'attribute_exists(pk) AND tries < :max AND expiresAt > :now',
        ExpressionAttributeValues: { ':one': 1, ':max': CODE_MAX_TRIES, ':now': now.getTime() },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return out.Attributes ? toStoredCode(out.Attributes, scope) : undefined;
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}

/** The delete that uses a code up, as a transaction item: the account change and the code's use are one write. */
export function consumeCodeItem(code: StoredCode) {
  return {
    Delete: {
      TableName: tableName(),
      Key: keys.oneTimeCode(code.scope.purpose, code.scope.idType, code.scope.idHash),
      ConditionExpression: 'digest = :digest',
      ExpressionAttributeValues: { ':digest': code.digest },
    },
  };
}

/** Uses a code up on its own; false when another request used (or a new code replaced) it first. */
export async function consumeCode(code: StoredCode): Promise<boolean> {
  try {
    await ddb().send(new DeleteCommand(consumeCodeItem(code).Delete));
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

function toStoredCode(item: Item, scope: CodeScope): StoredCode {
  const destination = optionalString(item, 'destination') as CodeDestination | undefined;
  const channel = optionalString(item, 'contactChannel') as ContactChannel | undefined;
  const address = optionalString(item, 'contactAddress');
  return {
    scope,
    kind: requiredString(item, 'kind') as CodeKind,
    purpose: scope.purpose,
    digest: requiredString(item, 'digest'),
    expiresAt: Number(item.expiresAt),
    tries: Number(item.tries),
    createdAt: requiredString(item, 'createdAt'),
    ...(destination && channel && address ? { sentTo: { destination, contact: { channel, address } } } : {}),
  };
}
