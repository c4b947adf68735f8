import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { parseRenderMessage } from '../../shared/domain/render-message';
import { markAnnotationFailed } from '../../shared/repository/annotations';
import { lambdaHandler, logger } from '../../shared/observability';

/** What the holder reads on a FAILED annotation whose render failed every delivery. */
export const DEAD_LETTER_REASON = '证书生成多次失败，请重新申请';

const processor = new BatchProcessor(EventType.SQS);

/**
 * One dead letter: a render message that failed maxReceiveCount deliveries. Its annotation becomes FAILED and frees
 * its quota slot (one transaction; a no-op if it is no longer PENDING). A record that throws is reported in
 * batchItemFailures and comes back after the DLQ's visibility timeout.
 */
async function recordHandler(record: SQSRecord): Promise<void> {
  const message = parseRenderMessage(record.body);
  if (!message) {
    // Nothing to mark: acknowledge it so it does not circle. The body is never logged (it is unknown input).
    logger.warn('unparsable dead letter acknowledged', { messageId: record.messageId, bodyLength: record.body.length });
    return;
  }
  const marked = await markAnnotationFailed(message.certId, message.annotationId, DEAD_LETTER_REASON);
  logger.info(marked ? 'dead letter: annotation marked FAILED' : 'dead letter: annotation was no longer PENDING', {
    annotationId: message.annotationId,
    messageId: record.messageId,
  });
}

export const handler = lambdaHandler(
  (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => processPartialResponse(event, recordHandler, processor, { context }),
);
