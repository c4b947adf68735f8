import { requestSource } from '../../shared/http/source';
import { routeHandler } from '../../shared/http/route-handler';
import { ROUTE } from '../../shared/resources/routes';
import { requestCodeForIdentity } from '../../shared/services/one-time-codes';

/** POST /v1/verification-codes — 202 {expiresAt}, identical for existing, unregistered and unknown identities. */
export const handler = routeHandler(ROUTE.verificationCodesCreate, async ({ body, event }) => ({
  status: 202,
  body: await requestCodeForIdentity(body, requestSource(event)),
}));
