import type { DynamoDBStreamEvent } from 'aws-lambda';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { logger, lambdaHandler } from '../../shared/observability';
import type { AuditEvent } from '../../shared/domain/audit';
import { archiveAuditEvents } from '../../shared/repository/audit-archive';
import { putDerivedAuditEvents } from '../../shared/repository/audit';
import { auditChange, type TableChange } from '../../shared/services/audit-trail';

/**
 * The table's stream → the audit trail (docs/operations.md). Certificate and account changes become audit events
 * (written back to the table, idempotently); audit events inserted in the table — derived here or appended directly
 * by an operator action — are archived to the Object Lock bucket. All or nothing per batch: a failure throws and the
 * event source mapping retries the batch (then bisects it and finally sends it to the on-failure queue).
 */
const image = (value: Record<string, unknown> | undefined) =>
  value ? (unmarshall(value as Record<string, AttributeValue>) as Record<string, unknown>) : undefined;

export function toTableChange(record: DynamoDBStreamEvent['Records'][number]): TableChange {
  const keys = image(record.dynamodb?.Keys as Record<string, unknown>) ?? {};
  const seconds = Number(record.dynamodb?.ApproximateCreationDateTime ?? Date.now() / 1000);
  const oldImage = image(record.dynamodb?.OldImage as Record<string, unknown> | undefined);
  const newImage = image(record.dynamodb?.NewImage as Record<string, unknown> | undefined);
  return {
    eventId: record.eventID ?? record.dynamodb?.SequenceNumber ?? '',
    eventName: (record.eventName ?? 'MODIFY') as TableChange['eventName'],
    at: new Date(seconds * 1000).toISOString(),
    keys: { pk: String(keys.pk), sk: String(keys.sk) },
    ...(oldImage ? { oldImage } : {}),
    ...(newImage ? { newImage } : {}),
  };
}

export const handler = lambdaHandler(async (event: DynamoDBStreamEvent) => {
  const derived: AuditEvent[] = [];
  const archived: AuditEvent[] = [];
  for (const record of event.Records) {
    const outcome = auditChange(toTableChange(record));
    if (outcome.kind === 'derive') derived.push(outcome.event);
    else if (outcome.kind === 'archive') archived.push(outcome.event);
  }
  await putDerivedAuditEvents(derived);
  const first = event.Records[0]?.dynamodb?.SequenceNumber ?? 'empty';
  const key = await archiveAuditEvents(archived, `${first}-${event.Records.length}`);
  logger.info('audit batch', { records: event.Records.length, derived: derived.length, archived: archived.length, ...(key ? { key } : {}) });
  return {};
});
