import {
  AUDIT_ACTIONS,
  changedFields,
  eventFromStamp,
  isChangeStamp,
  STAMP_ATTRIBUTE,
  type AuditEvent,
  type ItemKind,
} from '../domain/audit';
import { keys, TABLE } from '../resources/table';
import { toAuditEvent } from '../repository/audit';

/**
 * Turns table changes into audit events (the decisions of functions/jobs/audit-trail.ts). Input: one stream record's
 * keys and images, already unmarshalled. A change that touched no business field (a re-import of the same row, a
 * bookkeeping write) is no event; a change whose stamp is not new was made without one and is recorded as such.
 */
export interface TableChange {
  /** The stream record's id: unique per change, stable across retries. */
  eventId: string;
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  /** When DynamoDB recorded the change. */
  at: string;
  keys: { pk: string; sk: string };
  oldImage?: Record<string, unknown>;
  newImage?: Record<string, unknown>;
}

export type ChangeOutcome = { kind: 'archive'; event: AuditEvent } | { kind: 'derive'; event: AuditEvent } | { kind: 'none' };

const identityOf = (image: Record<string, unknown> | undefined): string | undefined => {
  const indexKey = image?.[TABLE.indexes.byHolderIdentity.partitionKey];
  const prefix = keys.certificateByHolder('', '').slice(0, 3); // 'ID#'
  return typeof indexKey === 'string' && indexKey.startsWith(prefix) ? indexKey.slice(prefix.length) : undefined;
};

export function auditChange(change: TableChange): ChangeOutcome {
  const { pk, sk } = change.keys;
  if (pk.startsWith(keys.auditPrefix)) {
    return change.eventName === 'INSERT' && change.newImage ? { kind: 'archive', event: toAuditEvent(change.newImage) } : { kind: 'none' };
  }
  const kind: ItemKind | undefined =
    pk.startsWith('CERT#') && sk === 'CERT' ? 'certificate' : pk.startsWith('HOLDER#') && sk === 'PROFILE' ? 'holder' : undefined;
  if (!kind || change.eventName === 'REMOVE') return { kind: 'none' };
  const changes = changedFields(kind, change.oldImage, change.newImage);
  if (changes.length === 0) return { kind: 'none' };

  const image = change.newImage ?? {};
  const subject =
    kind === 'certificate'
      ? { certId: String(image.certId ?? pk.slice('CERT#'.length)), ...(identityOf(image) ? { identity: identityOf(image)! } : {}) }
      : {
          identity: `${String(image.idType)}#${String(image.idHash)}`,
          holderId: String(image.holderId ?? pk.slice('HOLDER#'.length)),
        };
  const stamp = image[STAMP_ATTRIBUTE];
  const oldStamp = change.oldImage?.[STAMP_ATTRIBUTE];
  const stampIsNew = isChangeStamp(stamp) && (!isChangeStamp(oldStamp) || oldStamp.id !== stamp.id);
  const created = change.eventName === 'INSERT';
  if (stampIsNew) {
    const event = eventFromStamp(stamp, subject, changes);
    if (created) event.details = { ...event.details, created: true };
    return { kind: 'derive', event };
  }
  // No stamp came with this write: every write of the code stamps certificate and account items, so this one
  // bypassed it (a console edit, a script) — recorded as unattributed, itself a finding.
  const event: AuditEvent = {
    eventId: `u${change.eventId}`,
    at: change.at,
    action: AUDIT_ACTIONS.unattributedChange,
    actor: { kind: 'unattributed', id: 'unknown' },
    source: {},
    subject,
    changes,
    ...(created ? { details: { created: true } } : {}),
  };
  return { kind: 'derive', event };
}
