import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { lambdaHandler, logger, redact } from '../observability';
import { isTransientAwsError } from '../aws/transient';
import { HttpProblem, problem } from './problem';
import { BASE_HEADERS } from './response';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;
export type HttpFn = (event: HttpEvent, context: Context) => Promise<HttpResult>;

function problemResponse(error: HttpProblem): HttpResult {
  return {
    statusCode: error.status,
    headers: { ...BASE_HEADERS, 'content-type': 'application/problem+json; charset=utf-8', ...error.headers },
    body: JSON.stringify(error.toBody()),
  };
}

/**
 * The one error boundary of every HTTP function: known problems become RFC 9457 problem+json; an AWS dependency that
 * throttled or timed out becomes 503 SERVICE_UNAVAILABLE with Retry-After; anything else is a bug, logged by name and
 * message only (never the event, which may carry PII) and answered with a bare 500.
 */
const problemErrors = (): middy.MiddlewareObj<HttpEvent, HttpResult> => ({
  onError: async (request) => {
    const error = request.error;
    if (error instanceof HttpProblem) {
      request.response = problemResponse(error);
      return;
    }
    if (isTransientAwsError(error)) {
      // Not a bug and not the caller's fault: a dependency throttled or timed out after the SDK's own retries.
      logger.warn('dependency unavailable', { errorName: error?.name, route: request.event?.routeKey });
      request.response = problemResponse(problem('SERVICE_UNAVAILABLE', '服务繁忙，请稍后重试', {}, { 'retry-after': '2' }));
      return;
    }
    logger.error('unhandled error', {
      errorName: error?.name,
      errorMessage: redact(error?.message),
      route: request.event?.routeKey,
      requestId: request.event?.requestContext?.requestId,
    });
    request.response = problemResponse(problem('INTERNAL', '服务内部错误，请稍后重试'));
  },
});

/** One line per request with its status; the keys it appends are reset after the invocation (lambdaHandler). */
const requestLogging = (): middy.MiddlewareObj<HttpEvent, HttpResult> => ({
  before: async (request) => {
    logger.appendKeys({
      requestId: request.event.requestContext?.requestId,
      route: request.event.routeKey,
    });
  },
  after: async (request) => {
    logger.info('request', { status: request.response?.statusCode });
  },
  onError: async (request) => {
    logger.info('request', { status: request.response?.statusCode });
  },
});

export function httpHandler(fn: HttpFn) {
  // onError runs in reverse order of use(): the problem boundary answers first, then the request is logged with its status.
  return lambdaHandler<HttpEvent, HttpResult>(fn).use(requestLogging()).use(problemErrors());
}
