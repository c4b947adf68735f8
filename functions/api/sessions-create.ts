import { burnPasswordCheck, verifyPassword } from '../../shared/auth/password';
import { hashIdentity } from '../../shared/auth/identity-hash';
import { issueToken } from '../../shared/auth/token';
import { CURRENT_NOTICE } from '../../shared/domain/notice';
import { checkIdNumber } from '../../shared/domain/identity';
import { httpHandler } from '../../shared/http/middleware';
import { problem } from '../../shared/http/problem';
import { parseJsonBody } from '../../shared/http/request';
import { json } from '../../shared/http/response';
import { LoginBody } from '../../shared/resources/schemas';
import {
  clearFailedLogins,
  findHolderByIdentity,
  loginLockedUntil,
  recordFailedLogin,
} from '../../shared/repository/holders';
import { logger } from '../../shared/observability';

const tooMany = (lockedUntil: Date) => {
  const retryAfter = Math.max(1, Math.ceil((lockedUntil.getTime() - Date.now()) / 1000));
  return problem(
    'TOO_MANY_ATTEMPTS',
    '密码错误次数过多，账号已临时锁定，请稍后再试',
    { lockedUntil: lockedUntil.toISOString() },
    { 'retry-after': String(retryAfter) },
  );
};

/**
 * POST /v1/sessions. An unknown ID and a wrong password get the same answer and cost the same scrypt work; failures
 * are counted per identity whether or not an account exists, so the lock reveals nothing either.
 */
export const handler = httpHandler(async (event) => {
  const body = parseJsonBody(event, LoginBody);
  const { idType, password } = body;
  const now = new Date();
  // A malformed ID number is just an identity that has no account: same answer, same cost, same counting.
  const id = checkIdNumber(idType, body.idNumber, now);
  const idNumber = id.ok ? id.idNumber : body.idNumber.trim().toUpperCase();
  const identityHash = await hashIdentity(idType, idNumber);

  const locked = await loginLockedUntil(idType, identityHash, now);
  if (locked) throw tooMany(locked);

  const holder = id.ok ? await findHolderByIdentity(idType, identityHash) : undefined;
  const passwordOk = holder ? await verifyPassword(password, holder.passwordHash) : (await burnPasswordCheck(password), false);
  if (!holder || !passwordOk) {
    const { lockedUntil } = await recordFailedLogin(idType, identityHash, now);
    logger.info('login failed', { locked: Boolean(lockedUntil) });
    if (lockedUntil) throw tooMany(lockedUntil);
    throw problem('INVALID_CREDENTIALS', '证件号码或密码不正确');
  }
  await clearFailedLogins(idType, identityHash);
  const session = await issueToken({ holderId: holder.holderId, tokenVersion: holder.tokenVersion }, now);
  logger.info('login', { holderId: holder.holderId });
  return json(200, {
    ...session,
    holderId: holder.holderId,
    holderName: holder.name,
    noticeAccepted: holder.noticeVersion === CURRENT_NOTICE.version,
  });
});
