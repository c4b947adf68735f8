import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';

/** Powertools service name of every function (also POWERTOOLS_SERVICE_NAME in the stack). */
export const SERVICE_NAME = 'ecert';
/** CloudWatch namespace of the functions' embedded metrics. */
export const METRICS_NAMESPACE = 'ecert';

/**
 * Created once per container and shared. Nothing PII-bearing is ever passed to the logger: handlers log ids and
 * outcomes, never bodies, ID numbers, passwords or tokens (a test scans captured output).
 */
export const logger = new Logger({ serviceName: SERVICE_NAME });
/**
 * Metrics' own diagnostics go through the structured logger. Its "no application metrics to publish" notice fires on
 * every invocation that records none (most API calls: API Gateway counts those) and is only worth a debug line.
 */
const metricsDiagnostics = {
  debug: (message: string) => logger.debug(message),
  info: (message: string) => logger.info(message),
  warn: (message: string) => (message.startsWith('No application metrics') ? logger.debug(message) : logger.warn(message)),
  error: (message: string) => logger.error(message),
};
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME, logger: metricsDiagnostics });
/**
 * The tracer exists only where there is a trace to write to: in a Lambda function with tracing on. Merely importing
 * it loads the X-Ray SDK, whose async hooks make every `await` in the process about 17× dearer (300,000 awaits: 23 →
 * 393 ms on this project's dev machine) — outside Lambda, where the tracer would disable itself anyway, that tax bought
 * nothing: a fifth of the CPU of a local import went to it (docs/benchmarks.md).
 */
const tracing = Boolean(process.env.AWS_LAMBDA_FUNCTION_NAME) && process.env.POWERTOOLS_TRACE_ENABLED !== 'false';
export const tracer: Tracer | undefined = tracing
  ? new (await import('@aws-lambda-powertools/tracer')).Tracer({ serviceName: SERVICE_NAME })
  : undefined;

/**
 * For text we do not control (an exception's message): masks anything shaped like an ID document number (long digit
 * runs, with or without a letter) or a bearer token before it reaches a log line.
 */
export function redact(text: string | undefined): string | undefined {
  return text
    ?.replace(/eyJ[\w-]*\.[\w-]*\.[\w-]*/g, '[token]')
    .replace(/[A-Za-z]{0,3}\d{6,}[\dXx]?/g, '[redacted]');
}

/**
 * The one middy chain every function runs in, as Powertools' own examples wire it: a trace segment per invocation
 * (responses are not captured: they carry tokens and holder data), the Lambda context on every log line with keys
 * a handler appended reset after each invocation, and metrics flushed at the end with a cold-start metric.
 */
export function lambdaHandler<Event, Result>(fn: (event: Event, context: Context) => Promise<Result>) {
  const chain = middy<Event, Result>();
  if (tracer) chain.use(captureLambdaHandler(tracer, { captureResponse: false }));
  return chain
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .handler(fn);
}
