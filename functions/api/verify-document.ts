import { problem } from '../../shared/http/problem';
import { routeHandler } from '../../shared/http/route-handler';
import { ROUTE } from '../../shared/resources/routes';
import { MAX_DOCUMENT_BYTES, verifyDocument } from '../../shared/services/verify-document';

/** POST /v1/verify/document — the PDF bytes in, whether the copy is intact and valid out. */
export const handler = routeHandler(ROUTE.verifyDocument, async ({ body: bytes, now }) => {
  if (bytes.length === 0) throw problem('VALIDATION_FAILED', '请上传文件');
  if (bytes.length > MAX_DOCUMENT_BYTES) throw problem('PAYLOAD_TOO_LARGE', '文件不能超过4MB');
  return { status: 200, body: await verifyDocument(bytes, now) };
});
