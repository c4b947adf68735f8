import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * Created once per container and shared. Nothing PII-bearing is ever passed to the logger: handlers log ids and
 * outcomes, never bodies, ID numbers, passwords or tokens (a test scans captured output).
 */
export const logger = new Logger({ serviceName: 'ecert' });

/**
 * For text we do not control (an exception's message): masks anything shaped like an ID document number (long digit
 * runs, with or without a letter) or a bearer token before it reaches a log line.
 */
export function redact(text: string | undefined): string | undefined {
  return text
    ?.replace(/eyJ[\w-]*\.[\w-]*\.[\w-]*/g, '[token]')
    .replace(/[A-Za-z]{0,3}\d{6,}[\dXx]?/g, '[redacted]');
}
export const metrics = new Metrics({ namespace: 'ecert', serviceName: 'ecert' });
