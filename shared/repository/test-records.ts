import { BatchWriteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { hashIdentity } from '../auth/identity-hash';
import { backoff } from '../aws/backoff';
import { ddb } from '../aws/clients';
import { CODE_PURPOSES } from '../domain/one-time-code';
import { notATestRecord } from '../domain/test-records';
import { keys, TABLE } from '../resources/table';
import { getCertificate } from './certificates';
import { deleteDocument } from './documents';
import { queryAll, tableName } from './dynamo';
import { optionalString, type Item } from './item-codec';

/**
 * Removes one test certificate (shared/domain/test-records.ts) and everything the holder flow made for it: annotated
 * PDFs, verification codes, annotations, the quota item, the holder's account (identity, profile, failed-login
 * counter) and finally the certificate itself — last, so that a removal cut short can simply be run again.
 * Idempotency records are keyed by holder and the client's key, so only the keys the caller names are removed (the
 * tools know theirs); any other expires on its own (24 h TTL).
 */
export class NotATestRecordError extends Error {
  override name = 'NotATestRecordError';
  constructor(
    readonly certId: string,
    reason: string,
  ) {
    super(`${certId} is not a test record (${reason}): refusing to remove it`);
  }
}

export class RenderInProgressError extends Error {
  override name = 'RenderInProgressError';
  constructor(
    readonly certId: string,
    readonly pending: number,
  ) {
    super(`${certId} has ${pending} annotation(s) still PENDING: a render in flight would write its PDF after the removal; retry once they settle, or pass force`);
  }
}

export interface TestRecordRemoval {
  certId: string;
  /** False when the certificate no longer exists (removed before): nothing was done. */
  found: boolean;
  annotations: number;
  objects: number;
  verifications: number;
  holder: boolean;
  /** DynamoDB items deleted, all kinds together. */
  items: number;
}

/** A PENDING annotation older than this is stuck, not rendering: removing it cannot race a render. */
export const PENDING_SETTLE_MS = 15 * 60_000;
const BATCH_WRITE_LIMIT = 25;
const BATCH_WRITE_MAX_ATTEMPTS = 8;

type Key = Record<string, string>;

async function deleteItems(itemKeys: Key[]): Promise<void> {
  const table = tableName();
  for (let start = 0; start < itemKeys.length; start += BATCH_WRITE_LIMIT) {
    let pending = itemKeys.slice(start, start + BATCH_WRITE_LIMIT).map((Key) => ({ DeleteRequest: { Key } }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= BATCH_WRITE_MAX_ATTEMPTS) throw new Error(`BatchWriteItem left ${pending.length} deletes unprocessed`);
      if (attempt > 0) await backoff(attempt, 25, 1000);
      const out = await ddb().send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      pending = (out.UnprocessedItems?.[table] ?? []) as typeof pending;
    }
  }
}

const certificatePartition = (certId: string): Promise<Item[]> =>
  queryAll({
    TableName: tableName(),
    KeyConditionExpression: '#pk = :pk',
    ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
    ExpressionAttributeValues: { ':pk': keys.certificate(certId).pk },
    ConsistentRead: true,
  });

const keyOf = (item: Item): Key => ({
  [TABLE.partitionKey]: String(item[TABLE.partitionKey]),
  [TABLE.sortKey]: String(item[TABLE.sortKey]),
});

export async function removeTestCertificate(
  certId: string,
  options: { force?: boolean; idempotencyKeys?: readonly string[]; now?: Date } = {},
): Promise<TestRecordRemoval> {
  const removal: TestRecordRemoval = { certId, found: false, annotations: 0, objects: 0, verifications: 0, holder: false, items: 0 };
  const cert = await getCertificate(certId, { consistent: true });
  if (!cert) return removal;
  removal.found = true;
  const problem = notATestRecord(cert);
  if (problem) throw new NotATestRecordError(certId, problem);

  const partition = await certificatePartition(certId);
  const annotations = partition.filter((item) => String(item[TABLE.sortKey]).startsWith(keys.annotationPrefix));
  const now = (options.now ?? new Date()).getTime();
  const rendering = annotations.filter(
    (item) => item.status === 'PENDING' && now - Date.parse(String(item.appliedAt)) < PENDING_SETTLE_MS,
  );
  if (rendering.length > 0 && !options.force) throw new RenderInProgressError(certId, rendering.length);

  const objectKeys = [
    ...annotations.map((item) => optionalString(item, 'objectKey')),
    cert.electronicFile?.key,
  ].filter((key): key is string => key !== undefined);
  for (const key of objectKeys) await deleteDocument(key);
  removal.objects = objectKeys.length;

  const codes = annotations.map((item) => optionalString(item, 'verificationCode')).filter((c): c is string => c !== undefined);
  await deleteItems(codes.map((code) => keys.verification(code)));
  removal.verifications = codes.length;

  const idHash = await hashIdentity(cert.idType, cert.idNumber);
  const identityKey = keys.identity(cert.idType, idHash);
  const identity = await ddb().send(new GetCommand({ TableName: tableName(), Key: identityKey, ConsistentRead: true }));
  const holderId = identity.Item?.holderId;
  // The identity's password-failure records (one per source) and its one-time codes.
  const loginPartition = keys.loginSource(cert.idType, idHash, '').pk;
  const loginItems = await queryAll({
    TableName: tableName(),
    KeyConditionExpression: '#pk = :pk',
    ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
    ExpressionAttributeValues: { ':pk': loginPartition },
    ProjectionExpression: '#pk, #sk',
  });
  const holderKeys: Key[] = [
    ...loginItems.map(keyOf),
    ...[...CODE_PURPOSES, 'RECOVERY'].map((purpose) => keys.oneTimeCode(purpose, cert.idType, idHash)),
  ];
  if (typeof holderId === 'string') {
    for (const key of options.idempotencyKeys ?? []) holderKeys.push(keys.idempotency(holderId, key));
    holderKeys.push(keys.holder(holderId), identityKey);
    removal.holder = true;
  }
  await deleteItems(holderKeys);

  const certKey = keys.certificate(certId);
  const rest = partition.map(keyOf).filter((key) => key[TABLE.sortKey] !== certKey.sk);
  await deleteItems(rest);
  await deleteItems([certKey]);
  removal.annotations = annotations.length;
  removal.items = codes.length + holderKeys.length + rest.length + 1;
  return removal;
}
