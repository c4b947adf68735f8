import { authenticate } from '../../shared/http/auth';
import { httpHandler } from '../../shared/http/middleware';
import { parseJsonBody } from '../../shared/http/request';
import { noContent } from '../../shared/http/response';
import { requestSource } from '../../shared/http/source';
import { ChangeNameBody } from '../../shared/resources/schemas';
import { changeName } from '../../shared/services/holder-accounts';

/** PUT /v1/accounts/me/name — with the current password (counted like a login attempt). */
export const handler = httpHandler(async (event) => {
  const holder = await authenticate(event);
  await changeName(holder, parseJsonBody(event, ChangeNameBody), requestSource(event));
  return noContent();
});
