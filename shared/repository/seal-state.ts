import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb } from '../aws/clients';
import { STATUS_LIST_SIZE } from '../credentials/status-list';
import { keys, TABLE } from '../resources/table';
import { epochSeconds, isConditionFailure, tableName } from './dynamo';
import { optionalNumber, optionalString, type Item } from './item-codec';

/**
 * DynamoDB state of the seal (docs/signing.md): the issuing CA's current CRL, the Bitstring Status Lists (which
 * indexes are revoked, and the signed list credential), and for each annotation the status entry its credential got.
 * Every change is a single conditional or additive UpdateItem: concurrent renders, publishers and revocations never
 * overwrite each other.
 */

// ---------------------------------------------------------------------------------------------------------------
// The CA's CRL

export interface StoredCrl {
  der: Buffer;
  crlNumber: bigint;
  thisUpdate: Date;
  nextUpdate: Date;
  /** Serial (hex) → revocation time (ISO) of container certificates revoked by an operator. */
  revoked: Record<string, string>;
  /** Bumped by a revocation; a CRL newer than its `builtFrom` must be published. */
  revision: number;
  builtFrom: number;
}

const crlKey = (caFingerprint: string) => keys.pki(`CRL#${caFingerprint}`);

export async function getStoredCrl(caFingerprint: string): Promise<StoredCrl | undefined> {
  const out = await ddb().send(new GetCommand({ TableName: tableName(), Key: crlKey(caFingerprint), ConsistentRead: true }));
  const item = out.Item;
  if (!item) return undefined;
  const der = item.der as Uint8Array | undefined;
  return {
    der: der ? Buffer.from(der) : Buffer.alloc(0),
    crlNumber: BigInt(optionalString(item, 'crlNumber') ?? '0'),
    thisUpdate: new Date(optionalString(item, 'thisUpdate') ?? 0),
    nextUpdate: new Date(optionalString(item, 'nextUpdate') ?? 0),
    revoked: (item.revoked as Record<string, string> | undefined) ?? {},
    revision: optionalNumber(item, 'revision') ?? 0,
    builtFrom: optionalNumber(item, 'builtFrom') ?? -1,
  };
}

/**
 * Stores a newly signed CRL if nobody stored a newer one meanwhile (crlNumber only grows); false when someone did.
 * `builtFrom` is the revision of the revoked list the CRL was made from.
 */
export async function putCrl(
  caFingerprint: string,
  crl: { der: Buffer; crlNumber: bigint; thisUpdate: Date; nextUpdate: Date; builtFrom: number },
): Promise<boolean> {
  try {
    await ddb().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: crlKey(caFingerprint),
        UpdateExpression: 'SET der = :der, crlNumber = :n, crlNumberValue = :nv, thisUpdate = :t, nextUpdate = :u, builtFrom = :b',
        ConditionExpression: 'attribute_not_exists(crlNumberValue) OR crlNumberValue < :nv',
        ExpressionAttributeValues: {
          ':der': crl.der,
          ':n': crl.crlNumber.toString(),
          ':nv': Number(crl.crlNumber),
          ':t': crl.thisUpdate.toISOString(),
          ':u': crl.nextUpdate.toISOString(),
          ':b': crl.builtFrom,
        },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** An operator revokes a container certificate (e.g. a key believed exposed): the next CRL lists it. */
export async function revokeSealCertificate(caFingerprint: string, serialHex: string, at: Date = new Date()): Promise<void> {
  await ddb().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: crlKey(caFingerprint),
      UpdateExpression: 'SET revoked = if_not_exists(revoked, :empty)',
      ExpressionAttributeValues: { ':empty': {} },
    }),
  );
  await ddb().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: crlKey(caFingerprint),
      // The entry and the revision bump together: a CRL built from this revision includes the serial.
      UpdateExpression: 'SET revoked.#serial = if_not_exists(revoked.#serial, :at) ADD revision :one',
      ExpressionAttributeNames: { '#serial': serialHex.toLowerCase() },
      ExpressionAttributeValues: { ':at': at.toISOString(), ':one': 1 },
    }),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Bitstring Status Lists

const META = keys.pki('STATUSLIST-META');

/** Reserves `count` consecutive status indexes (global numbering; list = index / STATUS_LIST_SIZE). */
export async function reserveStatusIndexes(count: number): Promise<number> {
  const out = await ddb().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: META,
      UpdateExpression: 'ADD nextIndex :count',
      ExpressionAttributeValues: { ':count': count },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  return Number(out.Attributes?.nextIndex) - count;
}

/** How many lists have indexes handed out (the publisher signs each of them). */
export async function statusListCount(): Promise<number> {
  const out = await ddb().send(new GetCommand({ TableName: tableName(), Key: META, ConsistentRead: true }));
  const next = optionalNumber(out.Item ?? {}, 'nextIndex') ?? 0;
  return Math.ceil(next / STATUS_LIST_SIZE);
}

export interface AssignedStatus {
  listId: number;
  index: number;
}

/**
 * The status entry of an annotation's credential. The first render to ask stores its candidate; a duplicate render
 * gets the same entry back, so every copy of the annotation's credential points at one bit.
 */
export async function assignCredentialStatus(
  annotation: { certId: string; annotationId: string; validUntil: string },
  candidate: AssignedStatus,
): Promise<AssignedStatus> {
  const out = await ddb().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: keys.credentialStatus(annotation.certId, annotation.annotationId),
      UpdateExpression: 'SET listId = if_not_exists(listId, :list), statusIndex = if_not_exists(statusIndex, :index), #ttl = :ttl',
      ExpressionAttributeNames: { '#ttl': TABLE.ttlAttribute },
      ExpressionAttributeValues: {
        ':list': candidate.listId,
        ':index': candidate.index,
        // The credential expires with the annotation; its bit stops mattering then.
        ':ttl': epochSeconds(new Date(Date.parse(annotation.validUntil) + 86_400_000)),
      },
      ReturnValues: 'ALL_NEW',
    }),
  );
  return { listId: Number(out.Attributes!.listId), index: Number(out.Attributes!.statusIndex) };
}

/**
 * R3 for the credentials: sets the revocation bit of every credential issued for the certificate's annotations.
 * Idempotent (a set of indexes); the publisher signs the changed lists on its next run.
 */
export async function revokeCredentialStatuses(certId: string): Promise<number> {
  const byList = new Map<number, number[]>();
  let cursor: Record<string, unknown> | undefined;
  do {
    const out = await ddb().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.certificate(certId).pk, ':prefix': keys.credentialStatusPrefix },
        ConsistentRead: true,
        ExclusiveStartKey: cursor,
      }),
    );
    for (const item of out.Items ?? []) {
      const listId = Number(item.listId);
      byList.set(listId, [...(byList.get(listId) ?? []), Number(item.statusIndex)]);
    }
    cursor = out.LastEvaluatedKey;
  } while (cursor);
  for (const [listId, indexes] of byList) {
    await ddb().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.statusList(listId),
        UpdateExpression: 'ADD revoked :indexes, revision :one',
        ExpressionAttributeValues: { ':indexes': new Set(indexes), ':one': 1 },
      }),
    );
  }
  return [...byList.values()].reduce((sum, list) => sum + list.length, 0);
}

export interface StoredStatusList {
  listId: number;
  revoked: number[];
  revision: number;
  /** The signed status list credential (vc+jwt) and the revision it shows. */
  credential?: string;
  publishedRevision: number;
  publishedAt?: string;
}

export async function getStatusList(listId: number): Promise<StoredStatusList> {
  const out = await ddb().send(new GetCommand({ TableName: tableName(), Key: keys.statusList(listId), ConsistentRead: true }));
  const item: Item = out.Item ?? {};
  const credential = optionalString(item, 'credential');
  const publishedAt = optionalString(item, 'publishedAt');
  return {
    listId,
    revoked: [...((item.revoked as Set<number> | undefined) ?? [])].map(Number).sort((a, b) => a - b),
    revision: optionalNumber(item, 'revision') ?? 0,
    ...(credential ? { credential } : {}),
    publishedRevision: optionalNumber(item, 'publishedRevision') ?? -1,
    ...(publishedAt ? { publishedAt } : {}),
  };
}

/** Stores a signed list credential made from `revision`, unless one from a later revision is already there. */
export async function putStatusListCredential(listId: number, credential: string, revision: number, at: Date): Promise<boolean> {
  try {
    await ddb().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.statusList(listId),
        UpdateExpression: 'SET credential = :c, publishedRevision = :r, publishedAt = :at',
        ConditionExpression: 'attribute_not_exists(publishedRevision) OR publishedRevision <= :r',
        ExpressionAttributeValues: { ':c': credential, ':r': revision, ':at': at.toISOString() },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}
