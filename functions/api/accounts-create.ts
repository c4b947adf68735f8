import { routeHandler } from '../../shared/http/route-handler';
import { ROUTE } from '../../shared/resources/routes';
import { registerHolder } from '../../shared/services/accounts';

/** POST /v1/accounts */
export const handler = routeHandler(ROUTE.accountsCreate, async ({ body, now }) => ({
  status: 201,
  body: await registerHolder(body, now),
}));
