import { routeHandler } from '../../shared/http/route-handler';
import { ROUTE } from '../../shared/resources/routes';
import { logIn } from '../../shared/services/sessions';

/** POST /v1/sessions */
export const handler = routeHandler(ROUTE.sessionsCreate, async ({ body, now }) => ({ status: 200, body: await logIn(body, now) }));
