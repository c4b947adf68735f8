import { hashIdentity } from '../auth/identity-hash';
import { AUDIT_ACTIONS, type AuditDetail } from '../domain/audit';
import { maskContact } from '../domain/contact-point';
import { LOCKOUT } from '../domain/lockout';
import { maskHolderName, type IdType } from '../domain/identity';
import { windowOpen } from '../domain/windowed-limit';
import { identitySubject } from '../repository/audit';
import { getVerifiedContact } from '../repository/holder-contacts';
import { findHolderByIdentity } from '../repository/holders';
import { forgetAllSourceFailures } from '../repository/password-attempts';
import { clearWindow, peekWindow } from '../repository/windowed-counters';
import { issueRecoveryCode } from './one-time-codes';
import { recordOperatorAction } from './operator-audit';
import { identityFailureCounter } from './password-guard';

/**
 * The helpdesk path (issue 11 §6) for holders with no usable contact: after an identity check made offline, an
 * operator hands over a recovery code; can forget an identity's password failures; can look at an account (masked).
 * Every use is an operator action in the audit trail (recordOperatorAction: the operator's IAM principal or local OS
 * user, their machine), under the identity's keyed hash — never the ID number or the code.
 */
const audit = (idType: IdType, idHash: string, action: string, details: Record<string, AuditDetail>) =>
  recordOperatorAction({ action, subject: { identity: identitySubject(idType, idHash) }, details });

export async function helpdeskRecoveryCode(idType: IdType, idNumber: string, now = new Date()) {
  const idHash = await hashIdentity(idType, idNumber);
  const hasAccount = (await findHolderByIdentity(idType, idHash)) !== undefined;
  const issued = await issueRecoveryCode(idType, idHash, now);
  await audit(idType, idHash, AUDIT_ACTIONS.holderRecoveryCode, { hasAccount });
  return { ...issued, hasAccount };
}

export async function helpdeskUnlock(idType: IdType, idNumber: string) {
  const idHash = await hashIdentity(idType, idNumber);
  const sources = await forgetAllSourceFailures(idType, idHash);
  await clearWindow(identityFailureCounter(idType, idHash));
  await audit(idType, idHash, AUDIT_ACTIONS.holderUnlock, { sources });
  return { sources };
}

export interface HolderSummary {
  hasAccount: boolean;
  holderId?: string;
  nameMasked?: string;
  idNumberMasked?: string;
  contactMasked?: string;
  createdAt?: string;
  noticeVersion?: string;
  /** Failures against the identity in the current attack window (all sources). */
  recentFailures: number;
}

export async function helpdeskShow(idType: IdType, idNumber: string, now = new Date()): Promise<HolderSummary> {
  const idHash = await hashIdentity(idType, idNumber);
  const [holder, window] = await Promise.all([findHolderByIdentity(idType, idHash), peekWindow(identityFailureCounter(idType, idHash))]);
  const contact = holder ? await getVerifiedContact(holder.holderId) : undefined;
  await audit(idType, idHash, AUDIT_ACTIONS.holderShow, { hasAccount: holder !== undefined });
  return {
    hasAccount: holder !== undefined,
    ...(holder
      ? {
          holderId: holder.holderId,
          nameMasked: maskHolderName(holder.name),
          idNumberMasked: holder.idNumberMasked,
          createdAt: holder.createdAt,
          ...(holder.noticeVersion ? { noticeVersion: holder.noticeVersion } : {}),
        }
      : {}),
    ...(contact ? { contactMasked: maskContact(contact) } : {}),
    recentFailures: windowOpen(window, LOCKOUT.attack, now.getTime()) ? window.count : 0,
  };
}
