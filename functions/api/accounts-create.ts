import { randomUUID } from 'node:crypto';
import { hashPassword } from '../../shared/auth/password';
import { hashIdentity } from '../../shared/auth/identity-hash';
import { maskIdNumber } from '../../shared/domain/identity';
import { httpHandler } from '../../shared/http/middleware';
import { problem } from '../../shared/http/problem';
import { parseJsonBody } from '../../shared/http/request';
import { json } from '../../shared/http/response';
import { RegisterBody } from '../../shared/resources/schemas';
import { AlreadyRegisteredError, createHolder } from '../../shared/repository/holders';
import { logger } from '../../shared/observability';

/** POST /v1/accounts — one account per (idType, idNumber), enforced by the database, not by a prior read. */
export const handler = httpHandler(async (event) => {
  const body = parseJsonBody(event, RegisterBody);
  const holderId = randomUUID();
  try {
    await createHolder({
      holderId,
      name: body.name,
      idType: body.idType,
      idHash: await hashIdentity(body.idType, body.idNumber),
      idNumberMasked: maskIdNumber(body.idNumber),
      passwordHash: await hashPassword(body.password),
      createdAt: new Date().toISOString(),
    });
  } catch (error) {
    if (error instanceof AlreadyRegisteredError) throw problem('ALREADY_REGISTERED', '该证件已注册，请直接登录');
    throw error;
  }
  logger.info('holder registered', { holderId });
  return json(201, { holderId }, { location: `/v1/accounts/${holderId}` });
});
