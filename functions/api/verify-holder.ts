import { httpHandler } from '../../shared/http/middleware';
import { parseJsonBody } from '../../shared/http/request';
import { json } from '../../shared/http/response';
import { VerifyHolderBody } from '../../shared/resources/schemas';
import { verifyByHolder } from '../../shared/http/verification';
import { withinVerificationBudget } from '../../shared/services/verification-budget';

/**
 * POST /v1/verify — 查验 by management number, name and ID number; any mismatch is the same 404, and 10 misses on one
 * certificate within an hour (from any sources) make it answer 429 until the hour has passed.
 */
export const handler = httpHandler(async (event) => {
  const body = parseJsonBody(event, VerifyHolderBody);
  const now = new Date();
  return json(200, await withinVerificationBudget(body.certId, now, () => verifyByHolder(body, now)));
});
