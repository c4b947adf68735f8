import { prefersHtml } from '../../shared/http/accept';
import { prefersEnglish } from '../../shared/http/accept-language';
import { httpHandler } from '../../shared/http/middleware';
import { BASE_HEADERS, json } from '../../shared/http/response';
import { verifyByCode } from '../../shared/http/verification';
import { portalVerifyPath } from '../../shared/resources/portal';

/**
 * GET /v1/verify/{verificationCode} — public; what the QR code on the PDF opens. A browser (Accept prefers text/html)
 * is sent to the portal's verification page for the code on the same origin, which shows the result to a person; API
 * clients get the JSON `Verification`. Both answers vary on Accept.
 */
export const handler = httpHandler(async (event) => {
  const code = event.pathParameters?.verificationCode ?? '';
  if (prefersHtml(event.headers?.accept)) {
    // A verifier abroad lands on the English page (Accept-Language), a Chinese browser on the Chinese one.
    const location = `${portalVerifyPath(code)}${prefersEnglish(event.headers?.['accept-language']) ? '&lang=en' : ''}`;
    return { statusCode: 302, headers: { ...BASE_HEADERS, location, vary: 'accept, accept-language' }, body: '' };
  }
  return json(200, await verifyByCode(code, new Date()), { vary: 'accept' });
});
