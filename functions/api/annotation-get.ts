import { routeHandler } from '../../shared/http/route-handler';
import { ROUTE } from '../../shared/resources/routes';
import { annotationDetail } from '../../shared/services/holder-annotations';

/** GET /v1/certificates/{certId}/annotations/{annotationId} */
export const handler = routeHandler(ROUTE.annotationGet, async ({ holder, params, now }) => ({
  status: 200,
  body: await annotationDetail(holder, params.certId, params.annotationId, now),
}));
