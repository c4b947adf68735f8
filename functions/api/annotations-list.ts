import { routeHandler } from '../../shared/http/route-handler';
import { ROUTE } from '../../shared/resources/routes';
import { annotationList } from '../../shared/services/holder-annotations';

/** GET /v1/certificates/{certId}/annotations */
export const handler = routeHandler(ROUTE.annotationsList, async ({ holder, params, now }) => ({
  status: 200,
  body: await annotationList(holder, params.certId, now),
}));
