import { quotaView } from '../../shared/domain/annotation';
import { annotationView } from '../../shared/domain/annotation-view';
import { authenticateWithNotice } from '../../shared/http/auth';
import { holderCertificate } from '../../shared/http/holder-certificates';
import { httpHandler } from '../../shared/http/middleware';
import { json } from '../../shared/http/response';
import { getQuota, listAnnotations } from '../../shared/repository/annotations';

/** GET /v1/certificates/{certId}/annotations — newest first, statuses derived now (R6), with the quota (R4). */
export const handler = httpHandler(async (event) => {
  const holder = await authenticateWithNotice(event);
  const cert = await holderCertificate(event, holder);
  const [annotations, quota] = await Promise.all([listAnnotations(cert.certId), getQuota(cert.certId)]);
  const now = new Date();
  return json(200, {
    items: annotations.map((annotation) => annotationView(annotation, cert, now)),
    quota: quotaView(quota.slots, now),
  });
});
