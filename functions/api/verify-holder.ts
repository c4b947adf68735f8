import { httpHandler } from '../../shared/http/middleware';
import { parseJsonBody } from '../../shared/http/request';
import { json } from '../../shared/http/response';
import { VerifyHolderBody } from '../../shared/resources/schemas';
import { verifyByHolder } from '../../shared/http/verification';

/** POST /v1/verify — 查验 by management number, name and ID number; any mismatch is the same 404. */
export const handler = httpHandler(async (event) => json(200, await verifyByHolder(parseJsonBody(event, VerifyHolderBody), new Date())));
