/**
 * Which AWS errors are worth waiting for. Throttling (and DynamoDB Local's lock timeouts, which it reports the same
 * way) clears when writes slow down; a timeout, a dropped connection or a 5xx from the service clears when the
 * service recovers. Neither says anything about the request, so neither may become a verdict on it: the importer
 * retries them, and an API call that meets one after the SDK's own retries answers 503 with Retry-After instead of a
 * 500 that reads as a bug.
 */
const THROTTLE_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'TransactionConflictException',
]);
const UNAVAILABLE_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'ServiceUnavailable', 'SlowDown']);
const NETWORK_CODES = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNREFUSED', 'EAI_AGAIN']);

interface AwsLikeError {
  name?: string;
  code?: string;
  cause?: { code?: string };
  $metadata?: { httpStatusCode?: number };
}

export const isThrottling = (error: unknown): boolean => THROTTLE_NAMES.has((error as AwsLikeError | null)?.name ?? '');

export function isTransientAwsError(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const e = error as AwsLikeError;
  if (isThrottling(e) || UNAVAILABLE_NAMES.has(e.name ?? '')) return true;
  if ((e.code && NETWORK_CODES.has(e.code)) || (e.cause?.code && NETWORK_CODES.has(e.cause.code))) return true;
  const status = e.$metadata?.httpStatusCode;
  return status !== undefined && status >= 500;
}
