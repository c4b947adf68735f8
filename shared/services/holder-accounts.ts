import { randomUUID } from 'node:crypto';
import { hashIdentity } from '../auth/identity-hash';
import { hashPassword, verifyPassword } from '../auth/password';
import { changePassword } from '../repository/holders';
import { maskContact, parseContact, sameContact } from '../domain/contact-point';
import { maskIdNumber, type IdType } from '../domain/identity';
import { registrationOutcome } from '../domain/one-time-code';
import { problem } from '../http/problem';
import { logger } from '../observability';
import { ACCOUNT_AUDIT_ACTIONS, type AccountAuditEvent } from '../repository/account-audit';
import {
  AccountChangeConflictError,
  changeAccountContact,
  createAccount,
  renameAccount,
  replaceAccount,
  resetAccountPassword,
} from '../repository/holder-accounts';
import { getVerifiedContact } from '../repository/holder-contacts';
import { findHolderByIdentity, type Holder } from '../repository/holders';
import { consumeCode } from '../repository/one-time-codes';
import { forgetAllSourceFailures } from '../repository/password-attempts';
import { clearWindow } from '../repository/windowed-counters';
import { checkCode, codeInvalid } from './one-time-codes';
import { guardedPasswordCheck, identityFailureCounter } from './password-guard';

/**
 * Accounts v2 (API.md): registration proves control of a contact, re-registration replaces a squatter or corrects a
 * name, a forgotten password is reset with a code, and a holder changes name and contact. Each change is one
 * transaction with the use of its code and its audit event (shared/repository/holder-accounts.ts).
 */
export interface RequestSource {
  sourceIp: string;
  now: Date;
}

const holderEvent = (
  action: string,
  holderId: string,
  idType: IdType,
  idHash: string,
  source: RequestSource,
  details?: AccountAuditEvent['details'],
): AccountAuditEvent => ({
  action,
  actor: { kind: 'holder', id: holderId },
  source: { ip: source.sourceIp, via: 'api' },
  identity: `${idType}#${idHash}`,
  at: source.now,
  ...(details ? { details } : {}),
});

const changedMeanwhile = () => problem('UNAUTHENTICATED', '账号信息已变更，请重新登录');

function conflict(error: unknown): never {
  if (error instanceof AccountChangeConflictError) {
    if (error.reason === 'CODE_USED') throw codeInvalid();
    throw changedMeanwhile();
  }
  throw error;
}

/** The identity's failures are forgotten once control of the account is proven anew. */
async function forgetFailures(idType: IdType, idHash: string): Promise<void> {
  await Promise.all([forgetAllSourceFailures(idType, idHash), clearWindow(identityFailureCounter(idType, idHash))]);
}

export interface RegistrationV2 {
  name: string;
  idType: IdType;
  idNumber: string;
  password: string;
  code: string;
}

/** POST /v1/accounts: 201 for a new account and for a replaced one; 409 only after a valid code that proves neither. */
export async function registerWithCode(input: RegistrationV2, source: RequestSource): Promise<{ holderId: string; replaced: boolean }> {
  const idHash = await hashIdentity(input.idType, input.idNumber);
  const code = await checkCode('REGISTER', input.idType, idHash, input.code, source.now);
  const existing = await findHolderByIdentity(input.idType, idHash);
  const accountContact = existing ? await getVerifiedContact(existing.holderId) : undefined;
  const outcome = registrationOutcome(code, existing !== undefined, accountContact);
  if (outcome.kind === 'ALREADY_REGISTERED') {
    // The code did its work (it proved a contact): used up, so it cannot be tried against another outcome.
    await consumeCode(code);
    throw problem('ALREADY_REGISTERED', '该证件已有账号，验证码所发往的联系方式不能证明您是账号持有人。如是您本人的账号，请使用“忘记密码”；无法收到验证码时请联系客服，核实身份后可获得恢复码', {
      passwordResetPath: '/forgot-password',
    });
  }
  const passwordHash = await hashPassword(input.password);
  const contact = code.sentTo?.contact;
  try {
    if (outcome.kind === 'CREATE') {
      const holderId = randomUUID();
      await createAccount(
        {
          holderId,
          name: input.name,
          idType: input.idType,
          idHash,
          idNumberMasked: maskIdNumber(input.idNumber),
          passwordHash,
          ...(contact ? { contact } : {}),
          createdAt: source.now,
        },
        code,
        holderEvent(ACCOUNT_AUDIT_ACTIONS.register, holderId, input.idType, idHash, source, { contactVerified: Boolean(contact), code: code.kind }),
      );
      logger.info('holder registered', { holderId });
      return { holderId, replaced: false };
    }
    const holder = existing!;
    await replaceAccount(
      { holderId: holder.holderId, seenTokenVersion: holder.tokenVersion, name: input.name, passwordHash, ...(contact ? { contact } : {}), at: source.now },
      code,
      holderEvent(ACCOUNT_AUDIT_ACTIONS.replace, holder.holderId, input.idType, idHash, source, {
        because: outcome.because,
        nameChanged: holder.name !== input.name,
        contactVerified: Boolean(contact),
      }),
    );
    await forgetFailures(input.idType, idHash);
    logger.info('holder re-registered', { holderId: holder.holderId, because: outcome.because });
    return { holderId: holder.holderId, replaced: true };
  } catch (error) {
    if (error instanceof AccountChangeConflictError && error.reason === 'IDENTITY_TAKEN') {
      // Another registration of the same identity won the race a moment ago.
      throw problem('ALREADY_REGISTERED', '该证件刚刚完成注册，请重新获取验证码后再试');
    }
    return conflict(error);
  }
}

/** POST /v1/accounts/password-reset: 204, every session ends. */
export async function resetPassword(
  input: { idType: IdType; idNumber: string; code: string; newPassword: string },
  source: RequestSource,
): Promise<void> {
  const idHash = await hashIdentity(input.idType, input.idNumber);
  const code = await checkCode('RESET_PASSWORD', input.idType, idHash, input.code, source.now);
  const holder = await findHolderByIdentity(input.idType, idHash);
  // A code can reach the contact on record of an identity without an account: there is nothing to reset.
  if (!holder) throw codeInvalid();
  try {
    await resetAccountPassword(
      { holderId: holder.holderId, seenTokenVersion: holder.tokenVersion, passwordHash: await hashPassword(input.newPassword), at: source.now },
      code,
      holderEvent(ACCOUNT_AUDIT_ACTIONS.passwordReset, holder.holderId, input.idType, idHash, source, { code: code.kind }),
    );
  } catch (error) {
    conflict(error);
  }
  await forgetFailures(input.idType, idHash);
}

export interface AccountView {
  holderId: string;
  name: string;
  idType: IdType;
  idNumberMasked: string;
  contactMasked?: string;
  contactChannel?: 'SMS' | 'EMAIL';
  noticeVersion?: string;
}

/** GET /v1/accounts/me */
export async function accountOf(holder: Holder): Promise<AccountView> {
  const contact = await getVerifiedContact(holder.holderId);
  return {
    holderId: holder.holderId,
    name: holder.name,
    idType: holder.idType,
    idNumberMasked: holder.idNumberMasked,
    ...(contact ? { contactMasked: maskContact(contact), contactChannel: contact.channel } : {}),
    ...(holder.noticeVersion ? { noticeVersion: holder.noticeVersion } : {}),
  };
}

/** PUT /v1/accounts/me/name: the current password, counted like a login attempt. */
export async function changeName(
  holder: Holder,
  input: { name: string; password: string; altcha?: string },
  source: RequestSource,
): Promise<void> {
  const ok = await guardedPasswordCheck(
    { idType: holder.idType, idHash: holder.idHash, sourceIp: source.sourceIp, now: source.now, ...(input.altcha ? { altcha: input.altcha } : {}) },
    () => verifyPassword(input.password, holder.passwordHash),
  );
  if (!ok) throw problem('INVALID_CREDENTIALS', '当前密码不正确');
  try {
    await renameAccount(
      { holderId: holder.holderId, seenTokenVersion: holder.tokenVersion, name: input.name, at: source.now },
      holderEvent(ACCOUNT_AUDIT_ACTIONS.nameChange, holder.holderId, holder.idType, holder.idHash, source),
    );
  } catch (error) {
    conflict(error);
  }
}

/** PUT /v1/accounts/me/contact: the code must have been sent to exactly this contact. */
export async function changeContact(holder: Holder, input: { contact: string; code: string }, source: RequestSource): Promise<void> {
  const parsed = parseContact(input.contact);
  if (!parsed.ok) throw problem('VALIDATION_FAILED', '请求参数不正确', { errors: [{ path: 'contact', message: parsed.reason }] });
  const code = await checkCode('CHANGE_CONTACT', holder.idType, holder.idHash, input.code, source.now);
  // A recovery code proves who the holder is, not that they can read this contact: it does not change one.
  if (!sameContact(code.sentTo?.contact, parsed.contact)) throw codeInvalid();
  try {
    await changeAccountContact(
      { holderId: holder.holderId, seenTokenVersion: holder.tokenVersion, contact: parsed.contact, at: source.now },
      code,
      holderEvent(ACCOUNT_AUDIT_ACTIONS.contactChange, holder.holderId, holder.idType, holder.idHash, source, { channel: parsed.contact.channel }),
    );
  } catch (error) {
    conflict(error);
  }
}

/** PUT /v1/accounts/me/password: the current password counts like a login attempt; every session ends. */
export async function changePasswordGuarded(
  holder: Holder,
  input: { currentPassword: string; newPassword: string; altcha?: string },
  source: RequestSource,
): Promise<void> {
  const ok = await guardedPasswordCheck(
    { idType: holder.idType, idHash: holder.idHash, sourceIp: source.sourceIp, now: source.now, ...(input.altcha ? { altcha: input.altcha } : {}) },
    () => verifyPassword(input.currentPassword, holder.passwordHash),
  );
  if (!ok) throw problem('INVALID_CREDENTIALS', '当前密码不正确');
  if (!(await changePassword(holder.holderId, await hashPassword(input.newPassword), holder.tokenVersion))) throw changedMeanwhile();
}
