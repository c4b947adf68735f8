import { randomUUID } from 'node:crypto';
import { hashIdentity } from '../auth/identity-hash';
import { hashPassword, verifyPassword } from '../auth/password';
import { maskIdNumber, type IdType } from '../domain/identity';
import { CURRENT_NOTICE } from '../domain/notice';
import { problem } from '../http/problem';
import { logger } from '../observability';
import { acceptNotice, AlreadyRegisteredError, changePassword, createHolder, type Holder } from '../repository/holders';

/**
 * Holder accounts: registration (R7), password change, accepting the service notice (R8). Inputs arrive validated and
 * normalised by the route's schemas (shared/resources/schemas.ts).
 */

export interface Registration {
  name: string;
  idType: IdType;
  idNumber: string;
  password: string;
}

/** One account per (idType, idNumber), enforced by the database in the write itself, not by a prior read. */
export async function registerHolder(input: Registration, now: Date): Promise<{ holderId: string }> {
  const holderId = randomUUID();
  try {
    await createHolder({
      holderId,
      name: input.name,
      idType: input.idType,
      idHash: await hashIdentity(input.idType, input.idNumber),
      idNumberMasked: maskIdNumber(input.idNumber),
      passwordHash: await hashPassword(input.password),
      createdAt: now.toISOString(),
    });
  } catch (error) {
    if (error instanceof AlreadyRegisteredError) throw problem('ALREADY_REGISTERED', '该证件已注册，请直接登录');
    throw error;
  }
  logger.info('holder registered', { holderId });
  return { holderId };
}

/** Ends every existing session, including the one making the change (the token version moves on). */
export async function changeHolderPassword(holder: Holder, input: { currentPassword: string; newPassword: string }): Promise<void> {
  if (!(await verifyPassword(input.currentPassword, holder.passwordHash))) throw problem('INVALID_CREDENTIALS', '当前密码不正确');
  if (!(await changePassword(holder.holderId, await hashPassword(input.newPassword), holder.tokenVersion))) {
    // Another change won the race: this session is already over.
    throw problem('UNAUTHENTICATED', '登录已失效，请重新登录');
  }
}

/** R8: only the current version can be accepted; an older text is refused with the current version's name. */
export async function acceptCurrentNotice(holder: Holder, version: string, now: Date): Promise<void> {
  if (version !== CURRENT_NOTICE.version) {
    throw problem('NOTICE_VERSION_OUTDATED', '服务须知已更新，请阅读最新版本后再同意', { currentVersion: CURRENT_NOTICE.version });
  }
  await acceptNotice(holder.holderId, version, now);
}
