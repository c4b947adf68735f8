import { requestSource } from '../../shared/http/source';
import { routeHandler } from '../../shared/http/route-handler';
import { ROUTE } from '../../shared/resources/routes';
import { signIn } from '../../shared/services/sign-in';

/** POST /v1/sessions — 429 TOO_MANY_ATTEMPTS is per (identity, source): shared/services/password-guard.ts. */
export const handler = routeHandler(ROUTE.sessionsCreate, async ({ body, event }) => ({
  status: 200,
  body: await signIn(body, requestSource(event)),
}));
