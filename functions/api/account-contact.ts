import { authenticate } from '../../shared/http/auth';
import { httpHandler } from '../../shared/http/middleware';
import { parseJsonBody } from '../../shared/http/request';
import { noContent } from '../../shared/http/response';
import { requestSource } from '../../shared/http/source';
import { ChangeContactBody } from '../../shared/resources/schemas';
import { changeContact } from '../../shared/services/holder-accounts';

/** PUT /v1/accounts/me/contact — with a code sent to that contact (CHANGE_CONTACT). */
export const handler = httpHandler(async (event) => {
  const holder = await authenticate(event);
  await changeContact(holder, parseJsonBody(event, ChangeContactBody), requestSource(event));
  return noContent();
});
