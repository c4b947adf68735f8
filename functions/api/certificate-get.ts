import { routeHandler } from '../../shared/http/route-handler';
import { ROUTE } from '../../shared/resources/routes';
import { holderCertificateView } from '../../shared/services/holder-certificates';

/** GET /v1/certificates/{certId} */
export const handler = routeHandler(ROUTE.certificateGet, async ({ holder, params }) => ({
  status: 200,
  body: await holderCertificateView(holder, params.certId),
}));
