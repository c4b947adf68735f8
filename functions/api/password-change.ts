import { hashPassword, verifyPassword } from '../../shared/auth/password';
import { authenticate } from '../../shared/http/auth';
import { httpHandler } from '../../shared/http/middleware';
import { problem } from '../../shared/http/problem';
import { parseJsonBody } from '../../shared/http/request';
import { noContent } from '../../shared/http/response';
import { ChangePasswordBody } from '../../shared/resources/schemas';
import { changePassword } from '../../shared/repository/holders';

/** PUT /v1/accounts/me/password — ends every existing session, including the one making the change. */
export const handler = httpHandler(async (event) => {
  const holder = await authenticate(event);
  const body = parseJsonBody(event, ChangePasswordBody);
  if (!(await verifyPassword(body.currentPassword, holder.passwordHash))) {
    throw problem('INVALID_CREDENTIALS', '当前密码不正确');
  }
  if (!(await changePassword(holder.holderId, await hashPassword(body.newPassword), holder.tokenVersion))) {
    // Another change won the race: this session is already over.
    throw problem('UNAUTHENTICATED', '登录已失效，请重新登录');
  }
  return noContent();
});
