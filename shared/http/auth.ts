import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { verifyToken } from '../auth/token';
import { CURRENT_NOTICE } from '../domain/notice';
import { getHolder, type Holder } from '../repository/holders';
import { problem } from './problem';

/**
 * The holder behind a request: a valid bearer token whose token version still matches the account (a password change
 * ends older sessions). Every failure is the same 401, so a caller learns nothing about why.
 */
export async function authenticate(event: APIGatewayProxyEventV2): Promise<Holder> {
  const header = event.headers?.authorization ?? '';
  // The auth scheme is case-insensitive (RFC 9110 §11.1); the token is not.
  const match = /^Bearer ([A-Za-z0-9_\-.]{1,4096})$/i.exec(header.trim());
  const unauthenticated = () => problem('UNAUTHENTICATED', '登录已失效或未登录，请重新登录');
  if (!match) throw unauthenticated();
  const check = await verifyToken(match[1]!);
  if (!check.ok) throw unauthenticated();
  const holder = await getHolder(check.claims.holderId);
  if (!holder || holder.tokenVersion !== check.claims.tokenVersion) throw unauthenticated();
  return holder;
}

/** R8: certificate routes need the current notice accepted. */
export async function authenticateWithNotice(event: APIGatewayProxyEventV2): Promise<Holder> {
  const holder = await authenticate(event);
  if (holder.noticeVersion !== CURRENT_NOTICE.version) {
    throw problem('NOTICE_NOT_ACCEPTED', '请先阅读并同意当前版本的服务须知', { noticeVersion: CURRENT_NOTICE.version });
  }
  return holder;
}
