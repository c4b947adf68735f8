import { requestSource } from '../../shared/http/source';
import { routeHandler } from '../../shared/http/route-handler';
import { ROUTE } from '../../shared/resources/routes';
import { changeName } from '../../shared/services/holder-accounts';

/** PUT /v1/accounts/me/name — with the current password (counted like a login attempt). */
export const handler = routeHandler(ROUTE.accountName, async ({ holder, body, event }) => {
  await changeName(holder, body, requestSource(event));
  return { status: 204 };
});
