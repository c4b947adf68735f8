import { requestSource } from '../../shared/http/source';
import { routeHandler } from '../../shared/http/route-handler';
import { ROUTE } from '../../shared/resources/routes';
import { changePasswordGuarded } from '../../shared/services/holder-accounts';

/** PUT /v1/accounts/me/password — counted like a login attempt; ends every existing session, this one included. */
export const handler = routeHandler(ROUTE.passwordChange, async ({ holder, body, event }) => {
  await changePasswordGuarded(holder, body, requestSource(event));
  return { status: 204 };
});
