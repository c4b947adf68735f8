import { routeHandler } from '../../shared/http/route-handler';
import { ROUTE } from '../../shared/resources/routes';
import { listHolderCertificates } from '../../shared/services/holder-certificates';

/** GET /v1/certificates */
export const handler = routeHandler(ROUTE.certificatesList, async ({ holder }) => ({
  status: 200,
  body: await listHolderCertificates(holder),
}));
