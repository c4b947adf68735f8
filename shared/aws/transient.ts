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
/** No connection could be made: the endpoint is down, misnamed or out of reach (for the importer: a wrong target). */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** A connection was made and lost. */
const DROPPED_CODES = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE']);

interface AwsLikeError {
  name?: string;
  code?: string;
  cause?: { code?: string };
  $metadata?: { httpStatusCode?: number };
}

const hasNetworkCode = (e: AwsLikeError, codes: Set<string>): boolean =>
  [e.code, e.cause?.code].some((code) => code !== undefined && codes.has(code));

export const isUnreachable = (error: unknown): boolean =>
  !!error && typeof error === 'object' && hasNetworkCode(error as AwsLikeError, UNREACHABLE_CODES);

export const isThrottling = (error: unknown): boolean => THROTTLE_NAMES.has((error as AwsLikeError | null)?.name ?? '');

export function isTransientAwsError(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const e = error as AwsLikeError;
  if (isThrottling(e) || UNAVAILABLE_NAMES.has(e.name ?? '')) return true;
  if (hasNetworkCode(e, DROPPED_CODES) || hasNetworkCode(e, UNREACHABLE_CODES)) return true;
  const status = e.$metadata?.httpStatusCode;
  return status !== undefined && status >= 500;
}
