import { openApiDocument, type OpenApiDocument } from '../../shared/http/openapi';
import { routeHandler } from '../../shared/http/route-handler';
import { ROUTE } from '../../shared/resources/routes';

// The document is a function of the code alone: build it once per container.
let document: OpenApiDocument | undefined;

export const handler = routeHandler(ROUTE.openapi, async () => ({ status: 200, body: (document ??= openApiDocument()) }));
