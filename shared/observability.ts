import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * Created once per container and shared. Nothing PII-bearing is ever passed to the logger: handlers log ids and
 * outcomes, never bodies, ID numbers, passwords or tokens (a test scans captured output).
 */
export const logger = new Logger({ serviceName: 'ecert' });
export const metrics = new Metrics({ namespace: 'ecert', serviceName: 'ecert' });
