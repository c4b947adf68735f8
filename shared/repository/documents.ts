import { createHash } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { s3 } from '../aws/clients';
import { ENV, requireEnv } from '../config/env';
import { objectKeys } from '../resources/bucket';

/**
 * All S3 access for documents. Objects are private, encrypted at rest (SSE-S3) and named by content hash, so a stored
 * file is never overwritten in place by a different one.
 */
export const PDF_MAGIC = '%PDF-';
/** Certificate electronic files are scans of one or two pages; anything larger is a mistake. */
export const MAX_ELECTRONIC_FILE_BYTES = 20 * 1024 * 1024;

export class NotAPdfError extends Error {
  override name = 'NotAPdfError';
  constructor(detail = `the file does not start with ${PDF_MAGIC}`) {
    super(`not a PDF: ${detail}`);
  }
}

export interface StoredDocument {
  key: string;
  sha256: string;
  size: number;
}

export const bucketName = (): string => requireEnv(ENV.bucketName);

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export function assertPdf(bytes: Uint8Array): void {
  if (bytes.length < PDF_MAGIC.length || Buffer.from(bytes.subarray(0, PDF_MAGIC.length)).toString('latin1') !== PDF_MAGIC) {
    throw new NotAPdfError();
  }
  if (bytes.length > MAX_ELECTRONIC_FILE_BYTES) {
    throw new NotAPdfError(`larger than ${MAX_ELECTRONIC_FILE_BYTES / 1024 / 1024} MiB`);
  }
}

/** Every stored document: a private, SSE-S3 encrypted PDF whose SHA-256 travels with it as object metadata. */
async function putPdf(key: string, bytes: Uint8Array, sha256: string): Promise<StoredDocument> {
  await s3().send(
    new PutObjectCommand({
      Bucket: bucketName(),
      Key: key,
      Body: bytes,
      ContentType: 'application/pdf',
      ContentLength: bytes.length,
      ServerSideEncryption: 'AES256',
      Metadata: { sha256 },
    }),
  );
  return { key, sha256, size: bytes.length };
}

/** Stores a certificate electronic file (R1) under files/<certId>/<sha256>.pdf. */
export async function putElectronicFile(certId: string, bytes: Uint8Array): Promise<StoredDocument> {
  assertPdf(bytes);
  const sha256 = sha256Hex(bytes);
  return putPdf(objectKeys.electronicFile(certId, sha256), bytes, sha256);
}

/**
 * Stores a rendered annotated PDF under annotations/<certId>/<annotationId>.<sha256 prefix>.pdf (the lifecycle rule's
 * prefix). The hash is in the name because two renders of one annotation differ (the signature's time-stamp): the
 * render that loses the READY transition must not overwrite the object the winner recorded.
 */
export async function putAnnotationDocument(certId: string, annotationId: string, bytes: Uint8Array): Promise<StoredDocument> {
  const sha256 = sha256Hex(bytes);
  return putPdf(objectKeys.annotation(certId, `${annotationId}.${sha256.slice(0, 16)}`), bytes, sha256);
}

export async function deleteDocument(key: string): Promise<void> {
  await s3().send(new DeleteObjectCommand({ Bucket: bucketName(), Key: key }));
}

/** Presigned links never outlive this, whatever the document's own validity (docs/api.md: at most 300 s). */
export const MAX_PRESIGN_SECONDS = 300;

export type Disposition = 'attachment' | 'inline';

/** RFC 6266 / RFC 5987: an ASCII fallback for old clients plus the exact UTF-8 name. */
export function contentDisposition(disposition: Disposition, filename: string): string {
  const fallback = filename.normalize('NFKD').replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${disposition}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/**
 * A short-lived GET for a private object that makes S3 answer with the PDF content type and the given filename.
 * Minted per request, never stored: a URL signed with role credentials dies with the role session anyway.
 */
export async function presignDownload(
  key: string,
  options: { filename: string; disposition: Disposition; expiresInSeconds: number },
): Promise<{ url: string; expiresAt: string }> {
  const expiresIn = Math.max(1, Math.min(MAX_PRESIGN_SECONDS, Math.floor(options.expiresInSeconds)));
  const url = await getSignedUrl(
    s3(),
    new GetObjectCommand({
      Bucket: bucketName(),
      Key: key,
      ResponseContentType: 'application/pdf',
      ResponseContentDisposition: contentDisposition(options.disposition, options.filename),
      ResponseCacheControl: 'private, no-store',
    }),
    { expiresIn },
  );
  return { url, expiresAt: new Date(Date.now() + expiresIn * 1000).toISOString() };
}
