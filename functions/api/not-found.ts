import { httpHandler } from '../../shared/http/middleware';
import { problem } from '../../shared/http/problem';
import { compileRoutes, matchRoute } from '../../shared/resources/routes';

const routes = compileRoutes();

/**
 * API Gateway's `$default` route (and the local runtime's): every request no route takes. A known path asked with
 * another method is 405 with `Allow` (RFC 9110 §15.5.6); anything else is 404. Both in the contract's problem+json.
 */
export const handler = httpHandler(async (event) => {
  const match = matchRoute(routes, event.requestContext.http.method.toUpperCase(), event.rawPath);
  if (match.kind === 'method-not-allowed') {
    const allow = [...new Set(match.allowed)].sort();
    throw problem('METHOD_NOT_ALLOWED', `该路径只支持 ${allow.join('、')} 请求`, { allow }, { allow: allow.join(', ') });
  }
  throw problem('NOT_FOUND', '请求的资源不存在');
});
