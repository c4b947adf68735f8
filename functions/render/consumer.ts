import { BatchProcessor, EventType, processPartialResponse, type ParsedRecord } from '@aws-lambda-powertools/batch';
import { parser } from '@aws-lambda-powertools/batch/parser';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { RenderMessage } from '../../shared/domain/render-message';
import { lambdaHandler, logger, metrics } from '../../shared/observability';
import { warmUpRenderer } from '../../shared/pdf/annotated-certificate';
import { renderAnnotation, warmUpRender } from '../../shared/services/annotations-render';

/**
 * The render consumer: SQS batches → one render per record (shared/services/annotations-render.ts). Every record is
 * parsed with the one RenderMessage schema by Powertools' BatchProcessor; a record that does not parse, or whose
 * render failed transiently, is reported in batchItemFailures and comes back, and after maxReceiveCount it waits in
 * the DLQ (nothing consumes it) until an operator redrives it. Deterministic failures are FAILED by the use case
 * and acknowledged.
 */
warmUpRenderer();
// Init phase: the signing key and one discarded render, so the first message renders warm.
await warmUpRender();

class RenderBatchProcessor extends BatchProcessor {
  override failureHandler(record: Parameters<BatchProcessor['failureHandler']>[0], error: Error) {
    if (error.name === 'ParsingError') {
      // The body is unknown input: never logged. It retries and parks in the DLQ, where `dlq list` shows it.
      logger.error('unreadable render message', { messageId: (record as SQSRecord).messageId });
      metrics.addMetric('RenderMessagesUnreadable', MetricUnit.Count, 1);
    }
    return super.failureHandler(record, error);
  }
}

const processor = new RenderBatchProcessor(EventType.SQS, { parser, innerSchema: RenderMessage, transformer: 'json', logger });

async function recordHandler(record: ParsedRecord<SQSRecord, RenderMessage>): Promise<void> {
  await renderAnnotation(record.body);
}

export const handler = lambdaHandler((event: SQSEvent, context: Context) =>
  processPartialResponse(event, recordHandler, processor, { context }),
);
