import { httpHandler } from '../../shared/http/middleware';
import { parseJsonBody } from '../../shared/http/request';
import { json } from '../../shared/http/response';
import { requestSource } from '../../shared/http/source';
import { LoginBody } from '../../shared/resources/schemas';
import { signIn } from '../../shared/services/sign-in';

/** POST /v1/sessions — 429 TOO_MANY_ATTEMPTS is per (identity, source): shared/services/password-guard.ts. */
export const handler = httpHandler(async (event) => json(200, await signIn(parseJsonBody(event, LoginBody), requestSource(event))));
