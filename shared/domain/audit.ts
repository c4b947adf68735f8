import { randomBytes } from 'node:crypto';

/**
 * The audit trail (issue 13 §3): who did what to which certificate or holder account, when, why and from where. Pure
 * rules; storage is shared/repository/audit.ts, the stream consumer functions/jobs/audit-trail.ts.
 *
 * Two ways in, one trail:
 * - A write that changes a table item (import, revoke, attach-file, an account change) carries a **change stamp** in
 *   the same atomic write (attribute `lastChange`). The table's stream hands every change to the audit consumer,
 *   which turns it into an audit event naming the fields that changed (never their values). A change cannot happen
 *   without its event, and a change made without a stamp (someone editing the table directly) is recorded as
 *   unattributed rather than missed.
 * - Actions that change no table item (a signing-key change in Secrets Manager, the start and end of an import run)
 *   append an event directly.
 *
 * Nothing secret enters an event: no ID number (identities are the keyed hash), no contact, password, code or token,
 * no field value of a certificate — only field names. Free text (a revocation reason) is passed through `redactText`.
 */
export type ActorKind = 'operator' | 'holder' | 'system' | 'unattributed';

export interface AuditActor {
  kind: ActorKind;
  /** Operator: the IAM principal ARN (STS GetCallerIdentity) or, locally, `local:<os user>`. Holder: the holderId. */
  id: string;
}

export interface AuditSource {
  /** The machine an operator ran the CLI on. */
  host?: string;
  /** A holder's source address (HTTP). */
  ip?: string;
  /** What carried the action out: `ecert-cli`, `api`, a Step Functions execution ARN... */
  via?: string;
}

/** Stored on an item by the write that changes it, so the stream consumer can attribute the change. */
export interface ChangeStamp {
  /** Unique per write. */
  id: string;
  action: string;
  at: string;
  actor: AuditActor;
  source: AuditSource;
  reason?: string;
  /** The import run or bulk revocation the write belongs to. */
  runId?: string;
  /** The file line the write came from. */
  line?: number;
  /** Names and flags that say more about the change (never a value of a field, a secret or an ID number). */
  details?: Record<string, AuditDetail>;
}

export const STAMP_ATTRIBUTE = 'lastChange';

/** What an event is about; exactly one of these is its primary subject (the partition it is stored under). */
export interface AuditSubject {
  certId?: string;
  /** `<idType>#<idHash>`: a holder identity (account events). Never an ID number. */
  identity?: string;
  /** The account an account event is about, beside its identity (the partition is the identity's). */
  holderId?: string;
  /** An import run, a bulk revocation. */
  runId?: string;
  /** Something of the whole system, e.g. `signing-key`. */
  system?: string;
}

export type AuditDetail = string | number | boolean;

export interface AuditEvent {
  eventId: string;
  at: string;
  action: string;
  actor: AuditActor;
  source: AuditSource;
  subject: AuditSubject;
  reason?: string;
  runId?: string;
  line?: number;
  /** Names of the fields the change touched (never values). */
  changes?: string[];
  details?: Record<string, AuditDetail>;
}

/** Actions the service records, all in the same `<thing>.<verb>` form. */
export const AUDIT_ACTIONS = {
  certificateImport: 'certificate.import',
  certificateRevoke: 'certificate.revoke',
  certificateAttachFile: 'certificate.attach-file',
  importStart: 'import.start',
  importFinish: 'import.finish',
  revokeRun: 'revoke.run',
  signingKeyInit: 'signing-key.init',
  signingKeyInstall: 'signing-key.install',
  /** `ecert test-data remove`: a test certificate and what the holder flow made for it, deleted. */
  testDataRemove: 'test-data.remove',
  // A holder's account changes (issue 11 §5), stamped on the account item by the write that makes them.
  accountRegister: 'account.register',
  accountReplace: 'account.replace',
  accountPasswordReset: 'account.password-reset',
  accountPasswordChange: 'account.password-change',
  /** A login rewrote a hash made with older scrypt parameters (the password itself is unchanged). */
  accountPasswordRehash: 'account.password-rehash',
  accountNameChange: 'account.name-change',
  accountContactChange: 'account.contact-change',
  accountNoticeAccept: 'account.notice-accept',
  /** Demo accounts the local runtime seeds on first start. */
  accountSeed: 'account.seed',
  // The helpdesk (issue 11 §6): operator actions on an identity, appended directly.
  holderRecoveryCode: 'holder.recovery-code',
  holderUnlock: 'holder.unlock',
  holderShow: 'holder.show',
  /** A table change that carried no new stamp. */
  unattributedChange: 'item.unattributed-change',
} as const;

/** Time-ordered and unique: sorts by time within a subject's partition. */
export function newEventId(at: Date = new Date()): string {
  return `${at.getTime().toString(36).padStart(9, '0')}${randomBytes(6).toString('hex')}`;
}

/**
 * Masks what looks like an ID document number (long digit runs, with or without a letter) and anything shaped like
 * an e-mail address or mobile number in operator-typed text, so a reason like "110105… 号码有误" cannot put one into
 * the trail.
 */
export function redactText(text: string): string {
  return text
    .replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, '[redacted]')
    .replace(/\+?\d[\d ]{9,}\d[\dXx]?/g, '[redacted]')
    .replace(/[A-Za-z]{0,3}\d{8,}[\dXx]?/g, '[redacted]');
}

/**
 * The stamp of a holder's own change to their account through the API: the holder, from their source address.
 * `details` are names and flags only (which kind of code, which channel), never the values changed.
 */
export function holderStamp(
  action: string,
  holderId: string,
  from: { sourceIp: string; now: Date },
  details?: Record<string, AuditDetail>,
): ChangeStamp {
  return changeStamp({
    action,
    actor: { kind: 'holder', id: holderId },
    source: { ip: from.sourceIp, via: 'api' },
    at: from.now,
    ...(details ? { details } : {}),
  });
}

export function changeStamp(input: Omit<ChangeStamp, 'id' | 'at'> & { at?: Date }): ChangeStamp {
  const at = input.at ?? new Date();
  const { at: _at, ...rest } = input;
  return {
    ...rest,
    ...(rest.reason !== undefined ? { reason: redactText(rest.reason) } : {}),
    id: newEventId(at),
    at: at.toISOString(),
  };
}

/** An event from a stamp and the subject the stamped write changed. */
export function eventFromStamp(stamp: ChangeStamp, subject: AuditSubject, changes: string[], eventId = stamp.id): AuditEvent {
  return {
    eventId,
    at: stamp.at,
    action: stamp.action,
    actor: stamp.actor,
    source: stamp.source,
    subject,
    ...(stamp.reason !== undefined ? { reason: stamp.reason } : {}),
    ...(stamp.runId !== undefined ? { runId: stamp.runId } : {}),
    ...(stamp.line !== undefined ? { line: stamp.line } : {}),
    ...(stamp.details !== undefined ? { details: stamp.details } : {}),
    changes,
  };
}

/**
 * The business fields of a certificate item, as audit change names. Index keys, bookkeeping and the stamp itself are
 * not changes; the ID hash index key stands for "the identity changed" and is reported as idNumber.
 */
const CERTIFICATE_FIELDS: Record<string, string> = {
  holderName: 'holderName',
  idType: 'idType',
  idNumber: 'idNumber',
  qualificationCode: 'qualificationCode',
  level: 'level',
  specialty: 'specialty',
  approvalDate: 'approvalDate',
  issuedAt: 'issuedAt',
  issuer: 'issuer',
  contactMobile: 'mobile',
  contactEmail: 'email',
  status: 'status',
  revokedAt: 'revokedAt',
  revocationReason: 'revocationReason',
  electronicFile: 'electronicFile',
};

/** Holder account fields (issue 11): what an account change may touch, named without values. */
const HOLDER_FIELDS: Record<string, string> = {
  name: 'name',
  passwordHash: 'password',
  tokenVersion: 'sessions',
  contactChannel: 'contactChannel',
  contactAddress: 'contact',
  contactVerifiedAt: 'contactVerified',
  noticeVersion: 'noticeVersion',
};

export type ItemKind = 'certificate' | 'holder';

const sameValue = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The names of the fields that differ between two images of an item (old undefined: the item was created). */
export function changedFields(kind: ItemKind, before: Record<string, unknown> | undefined, after: Record<string, unknown> | undefined): string[] {
  const fields = kind === 'certificate' ? CERTIFICATE_FIELDS : HOLDER_FIELDS;
  const changed: string[] = [];
  for (const [attribute, name] of Object.entries(fields)) {
    if (!sameValue(before?.[attribute], after?.[attribute])) changed.push(name);
  }
  return changed;
}

export function isChangeStamp(value: unknown): value is ChangeStamp {
  const v = value as Partial<ChangeStamp> | undefined;
  return typeof v === 'object' && v !== null && typeof v.id === 'string' && typeof v.action === 'string' && typeof v.at === 'string' && typeof v.actor?.id === 'string';
}

/** One line of `ecert audit` output. */
export function formatEvent(event: AuditEvent): string {
  const subject = event.subject.certId ?? event.subject.runId ?? event.subject.system ?? (event.subject.identity ? 'holder' : '-');
  const parts = [
    event.at,
    event.action,
    subject,
    `by ${event.actor.kind === 'holder' ? `holder ${event.actor.id}` : event.actor.id}`,
    ...(event.source.host || event.source.ip || event.source.via
      ? [`from ${[event.source.host, event.source.ip, event.source.via].filter(Boolean).join(' ')}`]
      : []),
    ...(event.changes?.length ? [`changed ${event.changes.join(',')}`] : []),
    ...(event.runId ? [`run ${event.runId}${event.line !== undefined ? ` line ${event.line}` : ''}`] : []),
    ...(event.reason ? [`reason: ${event.reason}`] : []),
    ...(event.details && Object.keys(event.details).length
      ? [Object.entries(event.details).map(([k, v]) => `${k}=${String(v)}`).join(' ')]
      : []),
  ];
  return parts.join(' | ');
}
