import { CURRENT_NOTICE } from '../../shared/domain/notice';
import { routeHandler } from '../../shared/http/route-handler';
import { ROUTE } from '../../shared/resources/routes';

/** GET /v1/notice — public: the notice is read before the first login completes. */
export const handler = routeHandler(ROUTE.noticeGet, async () => ({ status: 200, body: CURRENT_NOTICE }));
