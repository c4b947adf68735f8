import { httpHandler } from '../../shared/http/middleware';
import { json } from '../../shared/http/response';
import { verifyByCode } from '../../shared/http/verification';

/** GET /v1/verify/{verificationCode} — public; what the QR code on the PDF opens. */
export const handler = httpHandler(async (event) =>
  json(200, await verifyByCode(event.pathParameters?.verificationCode, new Date())),
);
