import { httpHandler } from '../../shared/http/middleware';
import { parseJsonBody } from '../../shared/http/request';
import { json } from '../../shared/http/response';
import { requestSource } from '../../shared/http/source';
import { RegisterBody } from '../../shared/resources/schemas';
import { registerWithCode } from '../../shared/services/holder-accounts';

/** POST /v1/accounts (Accounts v2): a new account, or the identity's account replaced, when the code proves it. */
export const handler = httpHandler(async (event) => {
  const { holderId } = await registerWithCode(parseJsonBody(event, RegisterBody), requestSource(event));
  return json(201, { holderId }, { location: `/v1/accounts/${holderId}` });
});
