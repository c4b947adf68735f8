import { qualificationOf } from '../../shared/domain/certificate';
import { authenticateWithNotice } from '../../shared/http/auth';
import { holderCertificate } from '../../shared/http/holder-certificates';
import { httpHandler } from '../../shared/http/middleware';
import { problem } from '../../shared/http/problem';
import { validate } from '../../shared/http/request';
import { json } from '../../shared/http/response';
import { DispositionQuery } from '../../shared/resources/schemas';
import { MAX_PRESIGN_SECONDS, presignDownload } from '../../shared/repository/documents';

/** GET /v1/certificates/{certId}/file — the certificate electronic file of a pre-2021-12-17 certificate (R1). */
export const handler = httpHandler(async (event) => {
  const holder = await authenticateWithNotice(event);
  const query = validate(DispositionQuery, event.queryStringParameters ?? {});
  const cert = await holderCertificate(event, holder);
  if (cert.status === 'REVOKED') throw problem('CERTIFICATE_REVOKED', '证书已撤销，不能查看或下载');
  if (!cert.electronicFile) throw problem('NOT_FOUND', '该证书没有证书电子文件');
  const filename = `${qualificationOf(cert).name}-${cert.certId}-证书电子文件.pdf`;
  const link = await presignDownload(cert.electronicFile.key, {
    filename,
    disposition: query.disposition ?? 'attachment',
    expiresInSeconds: MAX_PRESIGN_SECONDS,
  });
  return json(200, { ...link, filename });
});
