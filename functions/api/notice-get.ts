import { CURRENT_NOTICE } from '../../shared/domain/notice';
import { httpHandler } from '../../shared/http/middleware';
import { json } from '../../shared/http/response';

/** GET /v1/notice — public: the notice is read before the first login completes. */
export const handler = httpHandler(async () => json(200, CURRENT_NOTICE));
