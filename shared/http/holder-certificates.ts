import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Certificate } from '../domain/certificate';
import { belongsTo } from '../domain/certificate-view';
import { getCertificateOfHolder } from '../repository/certificates';
import type { Holder } from '../repository/holders';
import { problem } from './problem';
import { CertIdParam } from '../resources/schemas';

/**
 * The certificate named in the path, if it is the caller's: a malformed id, a missing certificate and someone else's
 * certificate all give the same 404, so the route cannot be used to probe which certificates exist.
 */
export async function holderCertificate(event: APIGatewayProxyEventV2, holder: Holder): Promise<Certificate> {
  const notFound = () => problem('NOT_FOUND', '未找到该证书');
  const certId = CertIdParam.safeParse(event.pathParameters?.certId);
  if (!certId.success) throw notFound();
  const cert = await getCertificateOfHolder(certId.data, holder.idType, holder.idHash);
  if (!cert || !belongsTo(cert, holder)) throw notFound();
  return cert;
}
