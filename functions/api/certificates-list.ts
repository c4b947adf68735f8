import { belongsTo, certificateView } from '../../shared/domain/certificate-view';
import { EMPTY_CERTIFICATE_LIST_HINT } from '../../shared/domain/notice';
import { authenticateWithNotice } from '../../shared/http/auth';
import { httpHandler } from '../../shared/http/middleware';
import { json } from '../../shared/http/response';
import { listCertificatesByIdentity } from '../../shared/repository/certificates';

/** GET /v1/certificates — an empty list is an answer with the reasons it may be empty (R10), not an error. */
export const handler = httpHandler(async (event) => {
  const holder = await authenticateWithNotice(event);
  const certificates = (await listCertificatesByIdentity(holder.idType, holder.idHash)).filter((cert) =>
    belongsTo(cert, holder),
  );
  const items = certificates.map(certificateView);
  return json(200, items.length > 0 ? { items } : { items, hint: EMPTY_CERTIFICATE_LIST_HINT });
});
