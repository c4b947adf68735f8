import { routeHandler } from '../../shared/http/route-handler';
import { ROUTE } from '../../shared/resources/routes';
import { annotationDownloadLink } from '../../shared/services/holder-annotations';

/** GET /v1/certificates/{certId}/annotations/{annotationId}/download */
export const handler = routeHandler(ROUTE.annotationDownload, async ({ holder, params, query, now }) => ({
  status: 200,
  body: await annotationDownloadLink(holder, params.certId, params.annotationId, query.disposition ?? 'attachment', now),
}));
