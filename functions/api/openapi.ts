import { httpHandler } from '../../shared/http/middleware';
import { json } from '../../shared/http/response';
import { openApiDocument } from '../../shared/http/openapi';

export const handler = httpHandler(async () => json(200, openApiDocument()));
