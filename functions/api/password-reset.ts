import { requestSource } from '../../shared/http/source';
import { routeHandler } from '../../shared/http/route-handler';
import { ROUTE } from '../../shared/resources/routes';
import { resetPassword } from '../../shared/services/holder-accounts';

/** POST /v1/accounts/password-reset — 204; every session ends. */
export const handler = routeHandler(ROUTE.passwordReset, async ({ body, event }) => {
  await resetPassword(body, requestSource(event));
  return { status: 204 };
});
