import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Certificate } from '../domain/certificate';
import { getAnnotation, type StoredAnnotation } from '../repository/annotations';
import { problem } from './problem';
import { AnnotationIdParam } from '../resources/schemas';

/**
 * The annotation named in the path, of a certificate already checked to be the caller's (holderCertificate): a
 * malformed id and a missing one give the same 404. Annotations live in the certificate's partition, so another
 * certificate's annotation id finds nothing here.
 */
export async function holderAnnotation(event: APIGatewayProxyEventV2, cert: Certificate): Promise<StoredAnnotation> {
  const notFound = () => problem('NOT_FOUND', '未找到该加注记录');
  const annotationId = AnnotationIdParam.safeParse(event.pathParameters?.annotationId);
  if (!annotationId.success) throw notFound();
  const annotation = await getAnnotation(cert.certId, annotationId.data, { consistent: true });
  if (!annotation) throw notFound();
  return annotation;
}

export const annotationLocation = (certId: string, annotationId: string): string =>
  `/v1/certificates/${encodeURIComponent(certId)}/annotations/${annotationId}`;
