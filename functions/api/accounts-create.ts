import { requestSource } from '../../shared/http/source';
import { routeHandler } from '../../shared/http/route-handler';
import { ROUTE } from '../../shared/resources/routes';
import { registerWithCode } from '../../shared/services/holder-accounts';

/** POST /v1/accounts (Accounts v2): a new account, or the identity's account replaced, when the code proves it. */
export const handler = routeHandler(ROUTE.accountsCreate, async ({ body, event }) => {
  const { holderId } = await registerWithCode(body, requestSource(event));
  return { status: 201, body: { holderId }, headers: { location: `/v1/accounts/${holderId}` } };
});
