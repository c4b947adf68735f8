import { requestSource } from '../../shared/http/source';
import { routeHandler } from '../../shared/http/route-handler';
import { ROUTE } from '../../shared/resources/routes';
import { acceptCurrentNotice } from '../../shared/services/notice';

/** POST /v1/notice/acceptance — needs a session, not an accepted notice: accepting is what a new holder must do. */
export const handler = routeHandler(ROUTE.noticeAccept, async ({ holder, body, event }) => {
  await acceptCurrentNotice(holder, body.version, requestSource(event));
  return { status: 204 };
});
