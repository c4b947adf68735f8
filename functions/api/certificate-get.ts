import { certificateView } from '../../shared/domain/certificate-view';
import { authenticateWithNotice } from '../../shared/http/auth';
import { holderCertificate } from '../../shared/http/holder-certificates';
import { httpHandler } from '../../shared/http/middleware';
import { json } from '../../shared/http/response';

/** GET /v1/certificates/{certId} */
export const handler = httpHandler(async (event) => {
  const holder = await authenticateWithNotice(event);
  return json(200, certificateView(await holderCertificate(event, holder)));
});
