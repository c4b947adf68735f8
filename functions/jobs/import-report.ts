import { lambdaHandler, logger } from '../../shared/observability';
import type { ChangeStamp } from '../../shared/domain/audit';
import { summarizeImport } from '../../shared/services/import-run';

/** The state after the Distributed Map: sums the batch results into report.json and rejected.jsonl. */
export const handler = lambdaHandler(
  async (event: { importId: string; stamp: ChangeStamp; executionArn?: string; mapError?: { Error?: string } }) => {
    const report = await summarizeImport({
      importId: event.importId,
      stamp: event.stamp,
      ...(event.executionArn ? { executionArn: event.executionArn } : {}),
      status: event.mapError ? `FAILED (${event.mapError.Error ?? 'error'})` : 'SUCCEEDED',
    });
    logger.info('import report', { importId: report.importId, items: report.items, failed: report.failed, missing: report.missing });
    return report;
  },
);
