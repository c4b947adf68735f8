import { routeHandler } from '../../shared/http/route-handler';
import { ROUTE } from '../../shared/resources/routes';
import { verifyByHolder } from '../../shared/services/verification';
import { withinVerificationBudget } from '../../shared/services/verification-budget';

/**
 * POST /v1/verify — 查验 by management number, name and ID number; any mismatch is the same 404, and 10 misses on one
 * certificate within an hour (from any sources) make it answer 429 until the hour has passed.
 */
export const handler = routeHandler(ROUTE.verifyHolder, async ({ body, now }) => ({
  status: 200,
  body: await withinVerificationBudget(body.certId, now, () => verifyByHolder(body, now)),
}));
