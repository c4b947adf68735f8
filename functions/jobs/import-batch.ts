import { lambdaHandler, logger } from '../../shared/observability';
import { runImportBatch, type ImportBatchEvent } from '../../shared/services/import-run';

/**
 * One batch of a Distributed Map import (ItemReader JSONL + ItemBatcher): `{Items, BatchInput}` in, the batch's
 * counts out (its bad lines go to the batch's result object in S3, not into the state machine's payload).
 */
export const handler = lambdaHandler(async (event: ImportBatchEvent) => {
  const result = await runImportBatch(event);
  logger.info('import batch', { importId: event.BatchInput.importId, ...result });
  return result;
});
