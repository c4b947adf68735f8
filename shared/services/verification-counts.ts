import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger, metrics } from '../observability';
import { countVerification } from '../repository/report-counters';

/**
 * Counts one 查验 answer for the report and the dashboard (issue 13 §6). A counter that cannot be written is logged
 * and forgotten: a verification never fails because of its statistics.
 */
export async function recordVerification(qualificationCode: string, valid: boolean, at: Date): Promise<void> {
  metrics.addMetric('Verifications', MetricUnit.Count, 1);
  try {
    await countVerification(qualificationCode, valid, at);
  } catch (error) {
    logger.warn('verification not counted', { error: (error as Error).name });
  }
}
