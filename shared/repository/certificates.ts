import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ddb } from '../aws/clients';
import { STAMP_ATTRIBUTE, type ChangeStamp } from '../domain/audit';
import {
  E_CERTIFICATE_START_DATE,
  requiresAnnotation,
  type Certificate,
  type CertificateRecord,
  type CertificateStatus,
} from '../domain/certificate';
import { idHash } from '../domain/id-hash';
import type { IdType } from '../domain/identity';
import { keys, TABLE } from '../resources/table';
import { batchGet, isConditionFailure, tableName } from './dynamo';
import { assertPdf, deleteDocument, putElectronicFile, type StoredDocument } from './documents';
import { optionalString, requiredString, type Item } from './item-codec';
import { revokeCredentialStatuses } from './seal-state';

/**
 * All DynamoDB access for certificates. One item per certificate (pk CERT#<certId>, sk CERT) that carries the
 * imported record, its status and the electronic file reference; gsi1 (keys only) finds a holder's certificates by
 * the keyed hash of their ID number, so no index holds an ID number in clear.
 */

export class CertificateNotFoundError extends Error {
  override name = 'CertificateNotFoundError';
  constructor(readonly certId: string) {
    super(`certificate ${certId} does not exist`);
  }
}

/** R1: only certificates issued before the e-certificate start date may carry an electronic file. */
export class ElectronicFileNotAllowedError extends Error {
  override name = 'ElectronicFileNotAllowedError';
  constructor(readonly certId: string) {
    super(
      `certificate ${certId} was issued on or after ${E_CERTIFICATE_START_DATE}: it is an e-certificate, viewable only through an annotation, and takes no electronic file`,
    );
  }
}

export const REVOCATION_REASON_MAX = 200;

/** Where the contact on record (issue 11) lives on a certificate item; toCertificate never reads these. */
export const CONTACT_ATTRIBUTES = { mobile: 'contactMobile', email: 'contactEmail' } as const;

/** 1–200 code points after trimming; returns the reason to store. */
export function checkRevocationReason(raw: string): { ok: true; reason: string } | { ok: false; problem: string } {
  const reason = raw.normalize('NFC').trim();
  const length = [...reason].length;
  if (length === 0) return { ok: false, problem: 'a revocation reason is required' };
  if (length > REVOCATION_REASON_MAX) return { ok: false, problem: `the reason is longer than ${REVOCATION_REASON_MAX} characters` };
  return { ok: true, reason };
}


/** The one place a stored item becomes a domain Certificate (keys and index attributes stay behind). */
export function toCertificate(item: Item): Certificate {
  const cert: Certificate = {
    certId: requiredString(item, 'certId'),
    holderName: requiredString(item, 'holderName'),
    idType: requiredString(item, 'idType') as IdType,
    idNumber: requiredString(item, 'idNumber'),
    qualificationCode: requiredString(item, 'qualificationCode'),
    level: requiredString(item, 'level'),
    approvalDate: requiredString(item, 'approvalDate'),
    issuedAt: requiredString(item, 'issuedAt'),
    issuer: requiredString(item, 'issuer'),
    status: requiredString(item, 'status') as CertificateStatus,
    importedAt: requiredString(item, 'importedAt'),
    updatedAt: requiredString(item, 'updatedAt'),
  };
  const specialty = optionalString(item, 'specialty');
  if (specialty !== undefined) cert.specialty = specialty;
  const revokedAt = optionalString(item, 'revokedAt');
  if (revokedAt !== undefined) cert.revokedAt = revokedAt;
  const revocationReason = optionalString(item, 'revocationReason');
  if (revocationReason !== undefined) cert.revocationReason = revocationReason;
  const file = item.electronicFile as Partial<StoredDocument> | undefined;
  if (file && typeof file.key === 'string' && typeof file.sha256 === 'string') {
    cert.electronicFile = { key: file.key, sha256: file.sha256, size: Number(file.size) };
  }
  return cert;
}

export type UpsertOutcome = 'created' | 'updated' | 'superseded';

/** Where a row of an import run came from: the run and the file line (stamped on the item with the operator). */
export interface UpsertProvenance {
  stamp: ChangeStamp;
  runId: string;
  line: number;
}

/**
 * Creates or replaces the imported fields of one certificate in a single UpdateItem. What the service owns survives a
 * re-import: `status` (a revocation is an operator act, never undone by loading a file again), `revokedAt`,
 * `revocationReason`, `electronicFile` and the first `importedAt`. The contact on record (mobile, email) is an
 * imported field like the others: a row without it removes it.
 *
 * With a provenance, the write carries the operator's change stamp (the audit trail) and is conditional on no later
 * line of the same run having been written already: rows of one file processed in parallel (the Distributed Map)
 * still end with the last line winning, as a sequential import would. A condition that fails tells whether this very
 * line was written before (a retried batch: counted as it was the first time) or a later one was (`superseded`).
 */
export async function upsertCertificate(
  record: CertificateRecord,
  idHashKey: string,
  now: Date = new Date(),
  provenance?: UpsertProvenance,
): Promise<UpsertOutcome> {
  const at = now.toISOString();
  const imported: Record<string, unknown> = {
    certId: record.certId,
    holderName: record.holderName,
    idType: record.idType,
    idNumber: record.idNumber,
    qualificationCode: record.qualificationCode,
    level: record.level,
    approvalDate: record.approvalDate,
    issuedAt: record.issuedAt,
    issuer: record.issuer,
    [TABLE.indexes.byHolderIdentity.partitionKey]: keys.certificateByHolder(
      record.idType,
      idHash(idHashKey, record.idType, record.idNumber),
    ),
    [TABLE.indexes.byHolderIdentity.sortKey]: keys.certificateByHolderSort(record.issuedAt, record.certId),
    updatedAt: at,
  };
  const optional: Record<string, string | undefined> = {
    specialty: record.specialty,
    [CONTACT_ATTRIBUTES.mobile]: record.mobile,
    [CONTACT_ATTRIBUTES.email]: record.email,
  };
  for (const [name, value] of Object.entries(optional)) if (value !== undefined) imported[name] = value;
  if (provenance) imported[STAMP_ATTRIBUTE] = provenance.stamp;

  const names: Record<string, string> = { '#status': 'status', '#importedAt': 'importedAt' };
  const values: Record<string, unknown> = { ':now': at, ':valid': 'VALID' satisfies CertificateStatus };
  const sets = ['#importedAt = if_not_exists(#importedAt, :now)', '#status = if_not_exists(#status, :valid)'];
  Object.entries(imported).forEach(([name, value], i) => {
    names[`#a${i}`] = name;
    values[`:a${i}`] = value;
    sets.push(`#a${i} = :a${i}`);
  });
  let condition: string | undefined;
  if (provenance) {
    names['#createdBy'] = 'createdBy';
    names['#stamp'] = STAMP_ATTRIBUTE;
    values[':createdBy'] = `${provenance.runId}#${provenance.line}`;
    values[':run'] = provenance.runId;
    values[':line'] = provenance.line;
    sets.push('#createdBy = if_not_exists(#createdBy, :createdBy)');
    condition = 'attribute_not_exists(#stamp.runId) OR #stamp.runId <> :run OR #stamp.line < :line';
  }
  const removes = Object.entries(optional).flatMap(([name, value], i) => {
    if (value !== undefined) return [];
    names[`#r${i}`] = name;
    return [`#r${i}`];
  });
  const expression = `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`;
  try {
    const out = await ddb().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.certificate(record.certId),
        UpdateExpression: expression,
        ConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        // The old values of updated attributes: none at all means the item did not exist.
        ReturnValues: 'UPDATED_OLD',
        ...(provenance ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } : {}),
      }),
    );
    return out.Attributes && Object.keys(out.Attributes).length > 0 ? 'updated' : 'created';
  } catch (error) {
    if (!provenance || !isConditionFailure(error)) throw error;
    // The document client leaves the item of a failed condition in the wire format.
    const raw = (error as { Item?: Record<string, AttributeValue> }).Item;
    const old: Item | undefined = raw ? unmarshall(raw) : undefined;
    const stamp = old?.[STAMP_ATTRIBUTE] as Partial<ChangeStamp> | undefined;
    if (stamp?.line !== provenance.line) return 'superseded';
    return old?.createdBy === `${provenance.runId}#${provenance.line}` ? 'created' : 'updated';
  }
}

export async function getCertificate(
  certId: string,
  options: { consistent?: boolean } = {},
): Promise<Certificate | undefined> {
  const out = await ddb().send(
    new GetCommand({ TableName: tableName(), Key: keys.certificate(certId), ConsistentRead: options.consistent ?? false }),
  );
  return out.Item ? toCertificate(out.Item) : undefined;
}

/**
 * A certificate only if it belongs to the given identity: the API answers someone else's certificate exactly like a
 * missing one (404), so callers need not compare anything themselves.
 */
export async function getCertificateOfHolder(
  certId: string,
  idType: IdType,
  idHashValue: string,
): Promise<Certificate | undefined> {
  const out = await ddb().send(new GetCommand({ TableName: tableName(), Key: keys.certificate(certId) }));
  return certificateOfIdentity(out.Item, idType, idHashValue);
}

/** A certificate item read some other way (with the quota, in the apply's BatchGetItem), under the same rule. */
export function certificateOfIdentity(item: Item | undefined, idType: IdType, idHashValue: string): Certificate | undefined {
  if (!item || item[TABLE.indexes.byHolderIdentity.partitionKey] !== keys.certificateByHolder(idType, idHashValue)) return undefined;
  return toCertificate(item);
}

/**
 * The certificate items of an identity, newest issue date first. The index is keys-only, so the items come from the
 * table; an item whose identity changed since the index was written (a corrected ID number) is left out rather than
 * attributed to the wrong holder. Raw items: the contact repository reads the contact on record from them.
 */
export async function listCertificateItemsByIdentity(idType: IdType, idHashValue: string): Promise<Item[]> {
  const index = TABLE.indexes.byHolderIdentity;
  const partition = keys.certificateByHolder(idType, idHashValue);
  const found: Array<Record<string, string>> = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const out = await ddb().send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: index.name,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': index.partitionKey },
        ExpressionAttributeValues: { ':pk': partition },
        ScanIndexForward: false,
        ExclusiveStartKey: cursor,
      }),
    );
    for (const item of out.Items ?? []) {
      found.push({ [TABLE.partitionKey]: String(item[TABLE.partitionKey]), [TABLE.sortKey]: String(item[TABLE.sortKey]) });
    }
    cursor = out.LastEvaluatedKey;
  } while (cursor);
  if (found.length === 0) return [];

  const byPk = new Map<string, Item>();
  for (const item of await batchGet(found)) {
    if (item[index.partitionKey] === partition) byPk.set(String(item[TABLE.partitionKey]), item);
  }
  // BatchGetItem answers in no particular order: restore the index's.
  return found.flatMap((key) => {
    const item = byPk.get(key[TABLE.partitionKey]!);
    return item ? [item] : [];
  });
}

/** A holder's certificates, newest issue date first. */
export async function listCertificatesByIdentity(idType: IdType, idHashValue: string): Promise<Certificate[]> {
  return (await listCertificateItemsByIdentity(idType, idHashValue)).map(toCertificate);
}

export interface Revocation {
  certId: string;
  revokedAt: string;
  reason: string;
  /** True when the certificate was already revoked: the first revocation's time and reason stand. */
  alreadyRevoked: boolean;
}

/** R3: marks a certificate REVOKED. Idempotent: revoking again changes nothing and reports the first revocation. */
export async function revokeCertificate(
  certId: string,
  reason: string,
  at: Date = new Date(),
  stamp?: ChangeStamp,
): Promise<Revocation> {
  const checked = checkRevocationReason(reason);
  if (!checked.ok) throw new RangeError(checked.problem);
  const revokedAt = at.toISOString();
  try {
    await ddb().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.certificate(certId),
        UpdateExpression: `SET #status = :revoked, revokedAt = :at, revocationReason = :reason, updatedAt = :at${stamp ? ', #stamp = :stamp' : ''}`,
        ConditionExpression: 'attribute_exists(#pk) AND #status <> :revoked',
        ExpressionAttributeNames: { '#status': 'status', '#pk': TABLE.partitionKey, ...(stamp ? { '#stamp': STAMP_ATTRIBUTE } : {}) },
        ExpressionAttributeValues: {
          ':revoked': 'REVOKED' satisfies CertificateStatus,
          ':at': revokedAt,
          ':reason': checked.reason,
          ...(stamp ? { ':stamp': stamp } : {}),
        },
      }),
    );
    // The embedded credentials' status bits too (their Bitstring Status List is republished within minutes).
    await revokeCredentialStatuses(certId);
    return { certId, revokedAt, reason: checked.reason, alreadyRevoked: false };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
  // Either missing or already revoked: a consistent read tells which.
  const existing = await getCertificate(certId, { consistent: true });
  if (!existing) throw new CertificateNotFoundError(certId);
  // Idempotent: a revocation interrupted before its status bits were set sets them now.
  await revokeCredentialStatuses(certId);
  return {
    certId,
    revokedAt: existing.revokedAt ?? existing.updatedAt,
    reason: existing.revocationReason ?? '',
    alreadyRevoked: true,
  };
}

export interface AttachedFile extends StoredDocument {
  /** The file this one replaced, if any (its object stays in the bucket). */
  replaced?: StoredDocument;
}

/**
 * R1: stores a certificate electronic file in S3 and points the certificate at it. Refuses anything that is not a PDF,
 * unknown certificates, and e-certificates (issued on or after 2021-12-17), which are only ever shown annotated.
 */
export async function attachElectronicFile(
  certId: string,
  pdfBytes: Uint8Array,
  now: Date = new Date(),
  stamp?: ChangeStamp,
): Promise<AttachedFile> {
  assertPdf(pdfBytes);
  // Checked first so that a mistyped certId leaves no stray object behind.
  const cert = await getCertificate(certId, { consistent: true });
  if (!cert) throw new CertificateNotFoundError(certId);
  if (requiresAnnotation(cert.issuedAt)) throw new ElectronicFileNotAllowedError(certId);

  const stored = await putElectronicFile(certId, pdfBytes);
  let previous: Item | undefined;
  try {
    const out = await ddb().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.certificate(certId),
        UpdateExpression: `SET electronicFile = :file, updatedAt = :now${stamp ? ', #stamp = :stamp' : ''}`,
        ConditionExpression: 'attribute_exists(#pk) AND issuedAt < :eCertStart',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey, ...(stamp ? { '#stamp': STAMP_ATTRIBUTE } : {}) },
        ExpressionAttributeValues: {
          ':file': { key: stored.key, sha256: stored.sha256, size: stored.size },
          ':now': now.toISOString(),
          ':eCertStart': E_CERTIFICATE_START_DATE,
          ...(stamp ? { ':stamp': stamp } : {}),
        },
        ReturnValues: 'UPDATED_OLD',
      }),
    );
    previous = out.Attributes;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    // The certificate changed between the read and the write. Its previous file (if any) has another key unless it
    // held these very bytes, in which case the object is still referenced and must stay.
    if (cert.electronicFile?.key !== stored.key) await deleteDocument(stored.key).catch(() => undefined);
    const current = await getCertificate(certId, { consistent: true });
    if (!current) throw new CertificateNotFoundError(certId);
    throw new ElectronicFileNotAllowedError(certId);
  }
  const old = previous?.electronicFile as StoredDocument | undefined;
  return old && old.key !== stored.key ? { ...stored, replaced: { key: old.key, sha256: old.sha256, size: Number(old.size) } } : stored;
}
