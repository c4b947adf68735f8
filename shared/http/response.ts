import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** Every API response is private and uncacheable: it carries holder data or short-lived links. */
export const BASE_HEADERS: Record<string, string> = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

export function json(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { ...BASE_HEADERS, 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}

export const noContent = (headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 => ({
  statusCode: 204,
  headers: { ...BASE_HEADERS, ...headers },
});
