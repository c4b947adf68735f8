import { httpHandler } from '../../shared/http/middleware';
import { parseJsonBody } from '../../shared/http/request';
import { json } from '../../shared/http/response';
import { requestSource } from '../../shared/http/source';
import { VerificationCodeBody } from '../../shared/resources/schemas';
import { requestCodeForIdentity } from '../../shared/services/one-time-codes';

/** POST /v1/verification-codes — 202 {expiresAt}, identical for existing, unregistered and unknown identities. */
export const handler = httpHandler(async (event) => json(202, await requestCodeForIdentity(parseJsonBody(event, VerificationCodeBody), requestSource(event))));
