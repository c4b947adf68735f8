import { openApiDocument } from '../../shared/http/openapi';
import { routeHandler } from '../../shared/http/route-handler';
import { ROUTE } from '../../shared/resources/routes';

export const handler = routeHandler(ROUTE.openapi, async () => ({ status: 200, body: openApiDocument() }));
