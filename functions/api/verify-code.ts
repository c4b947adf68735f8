import { routeHandler } from '../../shared/http/route-handler';
import { ROUTE } from '../../shared/resources/routes';
import { verifyByCode } from '../../shared/services/verification';

/**
 * GET /v1/verify/{verificationCode} — public; what the QR code on the PDF opens. A browser is redirected to the
 * portal's page for the code (the route's `browserRedirect`); API clients get the JSON `Verification`.
 */
export const handler = routeHandler(ROUTE.verifyCode, async ({ params, now }) => ({
  status: 200,
  body: await verifyByCode(params.verificationCode, now),
  headers: { vary: 'accept' },
}));
