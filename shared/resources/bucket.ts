/** Object layout of the private document bucket (docs/rendering.md, "Storage"). */
export const BUCKET = {
  logicalName: 'ecert-documents',
  prefixes: {
    /** Rendered annotated PDFs: annotations/<certId>/<annotationId>.pdf */
    annotations: 'annotations/',
    /** Certificate electronic files for pre-2021-12-17 certificates (R1): files/<certId>/<sha256>.pdf */
    electronicFiles: 'files/',
  },
  /** Backstop only: the longest annotation is 90 days; objects outlive it by a day, then S3 deletes them. */
  annotationObjectExpirationDays: 91,
} as const;

export const objectKeys = {
  annotation: (certId: string, annotationId: string) =>
    `${BUCKET.prefixes.annotations}${encodeURIComponent(certId)}/${annotationId}.pdf`,
  electronicFile: (certId: string, sha256: string) =>
    `${BUCKET.prefixes.electronicFiles}${encodeURIComponent(certId)}/${sha256}.pdf`,
} as const;
