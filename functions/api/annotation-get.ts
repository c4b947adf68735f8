import { annotationView } from '../../shared/domain/annotation-view';
import { authenticateWithNotice } from '../../shared/http/auth';
import { holderAnnotation } from '../../shared/http/holder-annotations';
import { holderCertificate } from '../../shared/http/holder-certificates';
import { httpHandler } from '../../shared/http/middleware';
import { json } from '../../shared/http/response';

/** GET /v1/certificates/{certId}/annotations/{annotationId} */
export const handler = httpHandler(async (event) => {
  const holder = await authenticateWithNotice(event);
  const cert = await holderCertificate(event, holder);
  return json(200, annotationView(await holderAnnotation(event, cert), cert, new Date()));
});
