/** URLs of the API's own resources, for Location headers: each names a route of shared/resources/routes.ts. */
export const annotationLocation = (certId: string, annotationId: string): string =>
  `/v1/certificates/${encodeURIComponent(certId)}/annotations/${annotationId}`;
