import { routeHandler } from '../../shared/http/route-handler';
import { ROUTE } from '../../shared/resources/routes';
import { verifyByHolder } from '../../shared/services/verification';

/** POST /v1/verify — 查验 by management number, name and ID number; any mismatch is the same 404. */
export const handler = routeHandler(ROUTE.verifyHolder, async ({ body, now }) => ({ status: 200, body: await verifyByHolder(body, now) }));
