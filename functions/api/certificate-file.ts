import { routeHandler } from '../../shared/http/route-handler';
import { ROUTE } from '../../shared/resources/routes';
import { electronicFileLink } from '../../shared/services/holder-certificates';

/** GET /v1/certificates/{certId}/file */
export const handler = routeHandler(ROUTE.certificateFile, async ({ holder, params, query }) => ({
  status: 200,
  body: await electronicFileLink(holder, params.certId, query.disposition ?? 'attachment'),
}));
