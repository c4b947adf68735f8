import { randomBytes } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { ddb } from '../aws/clients';
import { tableName } from './dynamo';

/**
 * Account events in the audit trail: who, when, what, from where — never a secret (no ID number: identities are the
 * keyed hash; no contact, code, password or token). Same shape as the audit repository of issue 13 §3
 * (`appendAuditEvent`), which this module is to be swapped for once it is on main: events live under
 * AUDIT#ID#<idType>#<idHash>, sorted by time.
 */
export interface AccountAuditEvent {
  action: string;
  actor: { kind: 'operator' | 'holder' | 'system'; id: string };
  source: { ip?: string; host?: string; via?: string };
  /** `<idType>#<idHash>` */
  identity: string;
  /** Names and flags only, never values. */
  details?: Record<string, string | number | boolean>;
  at?: Date;
}

export const ACCOUNT_AUDIT_ACTIONS = {
  register: 'account.register',
  replace: 'account.replace',
  passwordReset: 'account.password-reset',
  passwordChange: 'account.password-change',
  nameChange: 'account.name-change',
  contactChange: 'account.contact-change',
  recoveryCode: 'holder.recovery-code',
  unlock: 'holder.unlock',
  show: 'holder.show',
} as const;

/** The event as a Put, for the transaction of the change it records: no change without its event. */
export function accountEventPut(event: AccountAuditEvent) {
  const at = event.at ?? new Date();
  const eventId = `${at.getTime().toString(36).padStart(9, '0')}${randomBytes(6).toString('hex')}`;
  const { at: _at, identity, ...rest } = event;
  return {
    Put: {
      TableName: tableName(),
      Item: { pk: `AUDIT#ID#${identity}`, sk: `${at.toISOString()}#${eventId}`, ...rest, subject: { identity }, eventId, at: at.toISOString() },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/** Appends an event that goes with no other write (a helpdesk look-up). */
export async function recordAccountEvent(event: AccountAuditEvent): Promise<{ eventId: string; at: string }> {
  const put = accountEventPut(event).Put;
  await ddb().send(new PutCommand(put));
  return { eventId: String(put.Item.eventId), at: String(put.Item.at) };
}
