import { hashIdentity } from '../auth/identity-hash';
import { burnPasswordCheck, verifyPassword } from '../auth/password';
import { issueToken } from '../auth/token';
import { checkIdNumber, type IdType } from '../domain/identity';
import { retryAfterSeconds } from '../domain/login-throttle';
import { CURRENT_NOTICE } from '../domain/notice';
import { problem } from '../http/problem';
import { logger } from '../observability';
import { clearFailedLogins, findHolderByIdentity, loginLockedUntil, recordFailedLogin } from '../repository/holders';

export interface Credentials {
  idType: IdType;
  idNumber: string;
  password: string;
}

export interface SessionGrant {
  token: string;
  expiresAt: string;
  holderId: string;
  holderName: string;
  /** Whether the current notice is accepted (R8): the portal shows it first otherwise. */
  noticeAccepted: boolean;
}

const tooMany = (lockedUntil: Date, now: Date) =>
  problem(
    'TOO_MANY_ATTEMPTS',
    '密码错误次数过多，账号已临时锁定，请稍后再试',
    { lockedUntil: lockedUntil.toISOString() },
    { 'retry-after': String(retryAfterSeconds(lockedUntil, now)) },
  );

/**
 * Logging in. An unknown ID and a wrong password get the same answer and cost the same scrypt work; failures are
 * counted per identity whether or not an account exists, so the lock reveals nothing either
 * (shared/domain/login-throttle.ts).
 */
export async function logIn(credentials: Credentials, now: Date): Promise<SessionGrant> {
  const { idType, password } = credentials;
  // A malformed ID number is just an identity that has no account: same answer, same cost, same counting.
  const id = checkIdNumber(idType, credentials.idNumber, now);
  const idNumber = id.ok ? id.idNumber : credentials.idNumber.trim().toUpperCase();
  const identityHash = await hashIdentity(idType, idNumber);

  const locked = await loginLockedUntil(idType, identityHash, now);
  if (locked) throw tooMany(locked, now);

  const holder = id.ok ? await findHolderByIdentity(idType, identityHash) : undefined;
  const passwordOk = holder ? await verifyPassword(password, holder.passwordHash) : (await burnPasswordCheck(password), false);
  if (!holder || !passwordOk) {
    const { lockedUntil } = await recordFailedLogin(idType, identityHash, now);
    logger.info('login failed', { locked: Boolean(lockedUntil) });
    if (lockedUntil) throw tooMany(lockedUntil, now);
    throw problem('INVALID_CREDENTIALS', '证件号码或密码不正确');
  }
  await clearFailedLogins(idType, identityHash);
  const session = await issueToken({ holderId: holder.holderId, tokenVersion: holder.tokenVersion }, now);
  logger.info('login', { holderId: holder.holderId });
  return {
    ...session,
    holderId: holder.holderId,
    holderName: holder.name,
    noticeAccepted: holder.noticeVersion === CURRENT_NOTICE.version,
  };
}
