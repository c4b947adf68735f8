import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/**
 * Where a request came from and when, as the account use cases count attempts: API Gateway's source address (the
 * local adapter passes the socket's peer address, so tests can bind distinct loopback addresses). docs/accounts.md
 * "Residual risks" says what changes behind CloudFront.
 */
export const requestSource = (event: APIGatewayProxyEventV2) => ({
  sourceIp: event.requestContext?.http?.sourceIp || '0.0.0.0',
  now: new Date(),
});
