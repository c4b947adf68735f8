import { httpHandler } from '../../shared/http/middleware';
import { problem } from '../../shared/http/problem';
import { rawBody } from '../../shared/http/request';
import { json } from '../../shared/http/response';
import { MAX_DOCUMENT_BYTES, verifyDocument } from '../../shared/http/verify-document';

/** POST /v1/verify/document — the PDF bytes in, whether the copy is intact and valid out. */
export const handler = httpHandler(async (event) => {
  const contentType = (event.headers?.['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (contentType !== 'application/pdf') throw problem('UNSUPPORTED_MEDIA_TYPE', '请以 application/pdf 上传加注电子证书文件');
  const bytes = rawBody(event);
  if (bytes.length === 0) throw problem('VALIDATION_FAILED', '请上传文件');
  if (bytes.length > MAX_DOCUMENT_BYTES) throw problem('PAYLOAD_TOO_LARGE', '文件不能超过4MB');
  return json(200, await verifyDocument(bytes, new Date()));
});
