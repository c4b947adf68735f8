import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { z } from 'zod';
import { problem } from './problem';

export const MAX_JSON_BODY_BYTES = 64 * 1024;

export interface FieldError {
  path: string;
  message: string;
}

/** Zod issues without the offending input: values may be ID numbers or passwords. */
export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.') || '(body)', message: issue.message }));
}

export function rawBody(event: APIGatewayProxyEventV2): Buffer {
  if (event.body === undefined || event.body === null) return Buffer.alloc(0);
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
}

/** Parses and validates a JSON body: 415 for another media type, 400 for broken JSON, 422 for a wrong shape. */
export function parseJsonBody<S extends z.ZodType>(event: APIGatewayProxyEventV2, schema: S): z.infer<S> {
  const contentType = (event.headers?.['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (contentType !== 'application/json' && !contentType.endsWith('+json')) {
    throw problem('UNSUPPORTED_MEDIA_TYPE', '请求内容类型应为 application/json');
  }
  const bytes = rawBody(event);
  if (bytes.length > MAX_JSON_BODY_BYTES) throw problem('PAYLOAD_TOO_LARGE', `请求内容不能超过${MAX_JSON_BODY_BYTES}字节`);
  let data: unknown;
  try {
    data = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw problem('MALFORMED_REQUEST', '请求内容不是有效的 UTF-8 JSON');
  }
  return validate(schema, data);
}

export function validate<S extends z.ZodType>(schema: S, data: unknown): z.infer<S> {
  const result = schema.safeParse(data);
  if (!result.success) {
    throw problem('VALIDATION_FAILED', '请求参数不正确', { errors: fieldErrors(result.error) });
  }
  return result.data;
}
