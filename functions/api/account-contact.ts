import { requestSource } from '../../shared/http/source';
import { routeHandler } from '../../shared/http/route-handler';
import { ROUTE } from '../../shared/resources/routes';
import { changeContact } from '../../shared/services/holder-accounts';

/** PUT /v1/accounts/me/contact — with a code sent to that contact (CHANGE_CONTACT). */
export const handler = routeHandler(ROUTE.accountContact, async ({ holder, body, event }) => {
  await changeContact(holder, body, requestSource(event));
  return { status: 204 };
});
