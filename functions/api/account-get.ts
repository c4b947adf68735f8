import { authenticate } from '../../shared/http/auth';
import { httpHandler } from '../../shared/http/middleware';
import { json } from '../../shared/http/response';
import { accountOf } from '../../shared/services/holder-accounts';

/** GET /v1/accounts/me — the holder's own account, contact masked. */
export const handler = httpHandler(async (event) => json(200, await accountOf(await authenticate(event))));
