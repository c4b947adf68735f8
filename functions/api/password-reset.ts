import { httpHandler } from '../../shared/http/middleware';
import { parseJsonBody } from '../../shared/http/request';
import { noContent } from '../../shared/http/response';
import { requestSource } from '../../shared/http/source';
import { PasswordResetBody } from '../../shared/resources/schemas';
import { resetPassword } from '../../shared/services/holder-accounts';

/** POST /v1/accounts/password-reset — 204; every session ends. */
export const handler = httpHandler(async (event) => {
  await resetPassword(parseJsonBody(event, PasswordResetBody), requestSource(event));
  return noContent();
});
