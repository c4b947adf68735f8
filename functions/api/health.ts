import { routeHandler } from '../../shared/http/route-handler';
import { ROUTE } from '../../shared/resources/routes';

export const handler = routeHandler(ROUTE.health, async () => ({ status: 200, body: { status: 'ok' } }));
