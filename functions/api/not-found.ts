import { httpHandler } from '../../shared/http/middleware';
import { problem } from '../../shared/http/problem';

/** API Gateway's $default route: unknown paths answer in the contract's problem+json, like every other error. */
export const handler = httpHandler(async () => {
  throw problem('NOT_FOUND', '请求的资源不存在');
});
