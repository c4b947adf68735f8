import { routeHandler } from '../../shared/http/route-handler';
import { ROUTE } from '../../shared/resources/routes';
import { accountOf } from '../../shared/services/holder-accounts';

/** GET /v1/accounts/me — the holder's own account, contact masked. */
export const handler = routeHandler(ROUTE.accountGet, async ({ holder }) => ({ status: 200, body: await accountOf(holder) }));
