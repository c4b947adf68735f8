import { httpHandler } from '../../shared/http/middleware';
import { json } from '../../shared/http/response';

export const handler = httpHandler(async () => json(200, { status: 'ok' }));
