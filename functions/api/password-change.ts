import { authenticate } from '../../shared/http/auth';
import { httpHandler } from '../../shared/http/middleware';
import { parseJsonBody } from '../../shared/http/request';
import { noContent } from '../../shared/http/response';
import { requestSource } from '../../shared/http/source';
import { ChangePasswordBody } from '../../shared/resources/schemas';
import { changePasswordGuarded } from '../../shared/services/holder-accounts';

/** PUT /v1/accounts/me/password — counted like a login attempt; ends every existing session, this one included. */
export const handler = httpHandler(async (event) => {
  const holder = await authenticate(event);
  await changePasswordGuarded(holder, parseJsonBody(event, ChangePasswordBody), requestSource(event));
  return noContent();
});
