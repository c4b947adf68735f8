import { routeHandler } from '../../shared/http/route-handler';
import { ROUTE } from '../../shared/resources/routes';
import { changeHolderPassword } from '../../shared/services/accounts';

/** PUT /v1/accounts/me/password */
export const handler = routeHandler(ROUTE.passwordChange, async ({ holder, body }) => {
  await changeHolderPassword(holder, body);
  return { status: 204 };
});
