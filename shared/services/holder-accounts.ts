import { randomUUID } from 'node:crypto';
import { hashIdentity } from '../auth/identity-hash';
import { hashPassword, verifyPassword } from '../auth/password';
import { backoff } from '../aws/backoff';
import { changePassword } from '../repository/holders';
import { AUDIT_ACTIONS, holderStamp } from '../domain/audit';
import { maskContact, parseContact, sameContact } from '../domain/contact-point';
import { maskIdNumber, type IdType } from '../domain/identity';
import { registrationOutcome } from '../domain/one-time-code';
import { problem } from '../http/problem';
import { logger } from '../observability';
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
 * transaction with the use of its code, and carries its audit stamp (holder, source address, action) in the same
 * write (shared/repository/holder-accounts.ts).
 */
export interface RequestSource {
  sourceIp: string;
  now: Date;
}

/**
 * A change on a session whose account changed meanwhile (another change ended its sessions): the session is over.
 * Only the authenticated routes answer this; the public ones decide again instead (`decideAgain`).
 */
const changedMeanwhile = () => problem('UNAUTHENTICATED', '账号信息已变更，请重新登录');

function conflict(error: unknown): never {
  if (error instanceof AccountChangeConflictError) {
    if (error.reason === 'CODE_USED') throw codeInvalid();
    throw changedMeanwhile();
  }
  throw error;
}

/**
 * POST /v1/accounts and POST /v1/accounts/password-reset have no session to end: when another change of the account
 * lands between their read and their write (ACCOUNT_CHANGED), they read again and decide again, with the code they
 * checked once. A holder who keeps losing that race gets 503 with Retry-After, never a 401 they cannot act on.
 */
export const MAX_ACCOUNT_CHANGE_ATTEMPTS = 5;

const lostRace = (error: unknown) => error instanceof AccountChangeConflictError && error.reason === 'ACCOUNT_CHANGED';

async function decideAgain<T>(attempt: (consistent: boolean) => Promise<T>): Promise<T> {
  for (let n = 1; n <= MAX_ACCOUNT_CHANGE_ATTEMPTS; n++) {
    if (n > 1) await backoff(n - 1, 20, 400);
    try {
      // A later attempt reads strongly consistently: it must see the change it lost to.
      return await attempt(n > 1);
    } catch (error) {
      if (!lostRace(error)) throw error;
      logger.info('account change lost a race; deciding again', { attempt: n });
    }
  }
  throw problem('SERVICE_UNAVAILABLE', '账号正在变更，请稍后重试', {}, { 'retry-after': '1' });
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
  let passwordHash: string | undefined;
  const contact = code.sentTo?.contact;
  return decideAgain(async (consistent) => {
    const existing = await findHolderByIdentity(input.idType, idHash, { consistent });
    const accountContact = existing ? await getVerifiedContact(existing.holderId) : undefined;
    const outcome = registrationOutcome(code, existing !== undefined, accountContact);
    if (outcome.kind === 'ALREADY_REGISTERED') {
      // The code did its work (it proved a contact): used up, so it cannot be tried against another outcome.
      await consumeCode(code);
      throw problem('ALREADY_REGISTERED', '该证件已有账号，验证码所发往的联系方式不能证明您是账号持有人。如是您本人的账号，请使用“忘记密码”；无法收到验证码时请联系客服，核实身份后可获得恢复码', {
        passwordResetPath: '/forgot-password',
      });
    }
    passwordHash ??= await hashPassword(input.password);
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
          holderStamp(AUDIT_ACTIONS.accountRegister, holderId, source, { contactVerified: Boolean(contact), code: code.kind }),
        );
        logger.info('holder registered', { holderId });
        return { holderId, replaced: false };
      }
      const holder = existing!;
      await replaceAccount(
        { holderId: holder.holderId, seenTokenVersion: holder.tokenVersion, name: input.name, passwordHash, ...(contact ? { contact } : {}), at: source.now },
        code,
        holderStamp(AUDIT_ACTIONS.accountReplace, holder.holderId, source, {
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
      if (error instanceof AccountChangeConflictError && error.reason === 'CODE_USED') throw codeInvalid();
      throw error;
    }
  });
}

/** POST /v1/accounts/password-reset: 204, every session ends. */
export async function resetPassword(
  input: { idType: IdType; idNumber: string; code: string; newPassword: string },
  source: RequestSource,
): Promise<void> {
  const idHash = await hashIdentity(input.idType, input.idNumber);
  const code = await checkCode('RESET_PASSWORD', input.idType, idHash, input.code, source.now);
  let passwordHash: string | undefined;
  await decideAgain(async (consistent) => {
    const holder = await findHolderByIdentity(input.idType, idHash, { consistent });
    // A code can reach the contact on record of an identity without an account: there is nothing to reset.
    if (!holder) throw codeInvalid();
    passwordHash ??= await hashPassword(input.newPassword);
    try {
      await resetAccountPassword(
        { holderId: holder.holderId, seenTokenVersion: holder.tokenVersion, passwordHash, at: source.now },
        code,
        holderStamp(AUDIT_ACTIONS.accountPasswordReset, holder.holderId, source, { code: code.kind }),
      );
    } catch (error) {
      if (error instanceof AccountChangeConflictError && error.reason === 'CODE_USED') throw codeInvalid();
      throw error;
    }
  });
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
      holderStamp(AUDIT_ACTIONS.accountNameChange, holder.holderId, source),
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
      holderStamp(AUDIT_ACTIONS.accountContactChange, holder.holderId, source, { channel: parsed.contact.channel }),
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
  const stamp = holderStamp(AUDIT_ACTIONS.accountPasswordChange, holder.holderId, source);
  if (!(await changePassword(holder.holderId, await hashPassword(input.newPassword), holder.tokenVersion, stamp))) throw changedMeanwhile();
}
