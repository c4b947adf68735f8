import { hashIdentity } from '../auth/identity-hash';
import { burnPasswordCheck, hashPassword, needsRehash, verifyPassword } from '../auth/password';
import { issueToken } from '../auth/token';
import { AUDIT_ACTIONS, holderStamp } from '../domain/audit';
import { checkIdNumber, type IdType } from '../domain/identity';
import { CURRENT_NOTICE } from '../domain/notice';
import { problem } from '../http/problem';
import { logger } from '../observability';
import { upgradePasswordHash } from '../repository/holder-accounts';
import { findHolderByIdentity, getHolder } from '../repository/holders';
import { guardedPasswordCheck } from './password-guard';

/**
 * Logging in (POST /v1/sessions) through the password guard: failures count per (identity, source) and per identity,
 * and the correct password from a source that has not failed is always accepted (shared/domain/lockout.ts).
 *
 * A registered and an unregistered ID do the same work: the same counter reads and writes, two item reads (the
 * identity item, then the profile — for an unknown ID a profile that cannot exist) and one scrypt at today's
 * parameters (a real check, or the burn of one). A hash made with older parameters is rewritten after a successful
 * login.
 */
export interface SignIn {
  idType: IdType;
  idNumber: string;
  password: string;
  altcha?: string;
}

export interface SessionGrant {
  token: string;
  expiresAt: string;
  holderId: string;
  holderName: string;
  noticeAccepted: boolean;
}

/** A profile key no account has (holder ids are UUIDs): read for an unknown ID so it costs what a known one does. */
const NO_HOLDER = 'no-such-holder';

export async function signIn(input: SignIn, source: { sourceIp: string; now: Date }): Promise<SessionGrant> {
  // A malformed ID number is just an identity that has no account: same answer, same cost, same counting.
  const id = checkIdNumber(input.idType, input.idNumber, source.now);
  const idNumber = id.ok ? id.idNumber : input.idNumber.trim().toUpperCase();
  const idHash = await hashIdentity(input.idType, idNumber);
  const holder = id.ok ? await findHolderByIdentity(input.idType, idHash) : undefined;
  if (!holder) await getHolder(NO_HOLDER);
  const ok = await guardedPasswordCheck(
    { idType: input.idType, idHash, sourceIp: source.sourceIp, now: source.now, ...(input.altcha ? { altcha: input.altcha } : {}) },
    async () => (holder ? verifyPassword(input.password, holder.passwordHash) : (await burnPasswordCheck(input.password), false)),
  );
  if (!holder || !ok) throw problem('INVALID_CREDENTIALS', '证件号码或密码不正确');
  if (needsRehash(holder.passwordHash)) {
    const stamp = holderStamp(AUDIT_ACTIONS.accountPasswordRehash, holder.holderId, source);
    await upgradePasswordHash(holder.holderId, holder.passwordHash, await hashPassword(input.password), stamp);
  }
  const session = await issueToken({ holderId: holder.holderId, tokenVersion: holder.tokenVersion }, source.now);
  logger.info('login', { holderId: holder.holderId });
  return {
    ...session,
    holderId: holder.holderId,
    holderName: holder.name,
    noticeAccepted: holder.noticeVersion === CURRENT_NOTICE.version,
  };
}
