import { BatchWriteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { backoff } from '../aws/backoff';
import { ddb } from '../aws/clients';
import { newEventId, redactText, type AuditEvent, type AuditSubject } from '../domain/audit';
import type { IdType } from '../domain/identity';
import { keys, TABLE } from '../resources/table';
import { isConditionFailure, tableName } from './dynamo';
import { optionalNumber, optionalString, requiredString, type Item } from './item-codec';

/**
 * The audit trail in the table (docs/operations.md, "Audit trail"). Append-only: a direct event is a PutItem on the
 * condition that its key is new; events derived from the table stream have keys derived from the stream record, so
 * a retried batch writes the same items again instead of new ones. Each event lives under one subject partition:
 *
 *   AUDIT#CERT#<certId> · AUDIT#ID#<idType>#<idHash> · AUDIT#RUN#<runId> · AUDIT#SYSTEM#<part>   sk <at>#<eventId>
 *
 * The archive (S3 Object Lock) is fed from the stream: every AUDIT# item inserted here reaches it.
 */

/** The partition an event is stored under: its certificate, else its identity, else its run, else its system part. */
export function subjectKey(subject: AuditSubject): string {
  if (subject.certId) return `CERT#${subject.certId}`;
  if (subject.identity) return `ID#${subject.identity}`;
  if (subject.runId) return `RUN#${subject.runId}`;
  if (subject.system) return `SYSTEM#${subject.system}`;
  throw new RangeError('an audit event needs a subject');
}

/** `<idType>#<idHash>`: how an identity appears in the trail. */
export const identitySubject = (idType: IdType, idHash: string): string => `${idType}#${idHash}`;

export function toAuditItem(event: AuditEvent): Item {
  const clean: AuditEvent = {
    ...event,
    ...(event.reason !== undefined ? { reason: redactText(event.reason) } : {}),
    ...(event.details
      ? {
          details: Object.fromEntries(
            Object.entries(event.details).map(([k, v]) => [k, typeof v === 'string' ? redactText(v) : v]),
          ),
        }
      : {}),
  };
  return { ...keys.audit(subjectKey(event.subject), event.at, event.eventId), ...clean };
}

export function toAuditEvent(item: Item): AuditEvent {
  const event: AuditEvent = {
    eventId: requiredString(item, 'eventId'),
    at: requiredString(item, 'at'),
    action: requiredString(item, 'action'),
    actor: item.actor as AuditEvent['actor'],
    source: (item.source as AuditEvent['source'] | undefined) ?? {},
    subject: (item.subject as AuditSubject | undefined) ?? {},
  };
  const reason = optionalString(item, 'reason');
  if (reason !== undefined) event.reason = reason;
  const runId = optionalString(item, 'runId');
  if (runId !== undefined) event.runId = runId;
  const line = optionalNumber(item, 'line');
  if (line !== undefined) event.line = line;
  if (Array.isArray(item.changes)) event.changes = item.changes.map(String);
  if (item.details && typeof item.details === 'object') event.details = item.details as AuditEvent['details'];
  return event;
}

export type NewAuditEvent = Omit<AuditEvent, 'eventId' | 'at'> & { at?: Date };

/** Appends one event (an action that changes no table item). Returns it as stored. */
export async function appendAuditEvent(input: NewAuditEvent): Promise<AuditEvent> {
  const at = input.at ?? new Date();
  const { at: _at, ...rest } = input;
  const event: AuditEvent = { ...rest, eventId: newEventId(at), at: at.toISOString() };
  try {
    await ddb().send(
      new PutCommand({
        TableName: tableName(),
        Item: toAuditItem(event),
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
      }),
    );
  } catch (error) {
    // The id is random: a collision is a bug of ours, never a reason to overwrite history.
    if (isConditionFailure(error)) throw new Error(`audit event ${event.eventId} exists already`);
    throw error;
  }
  return event;
}

const BATCH_WRITE_LIMIT = 25;
const BATCH_WRITE_MAX_ATTEMPTS = 10;

/**
 * Writes derived events (the stream consumer's). Keys are derived from the stream records, so writing a batch twice
 * stores the same items, not duplicates. Unprocessed items are retried with backoff; what still fails throws, and
 * the stream batch is retried.
 */
export async function putDerivedAuditEvents(events: AuditEvent[]): Promise<void> {
  const table = tableName();
  for (let start = 0; start < events.length; start += BATCH_WRITE_LIMIT) {
    let pending: Array<Record<string, unknown>> = events
      .slice(start, start + BATCH_WRITE_LIMIT)
      .map((event) => ({ PutRequest: { Item: toAuditItem(event) } }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= BATCH_WRITE_MAX_ATTEMPTS) throw new Error(`BatchWriteItem left ${pending.length} audit events unprocessed`);
      if (attempt > 0) await backoff(attempt, 25, 2000);
      const out = await ddb().send(new BatchWriteCommand({ RequestItems: { [table]: pending as never } }));
      pending = (out.UnprocessedItems?.[table] as Array<Record<string, unknown>> | undefined) ?? [];
    }
  }
}

export interface AuditQuery {
  /** ISO instants, inclusive. */
  from?: string;
  to?: string;
  limit?: number;
}

/** One subject's events, oldest first. */
export async function listAuditEvents(subject: AuditSubject, query: AuditQuery = {}): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  let cursor: Record<string, unknown> | undefined;
  const names: Record<string, string> = { '#pk': TABLE.partitionKey };
  const values: Record<string, unknown> = { ':pk': keys.auditPartition(subjectKey(subject)) };
  let condition = '#pk = :pk';
  if (query.from || query.to) {
    names['#sk'] = TABLE.sortKey;
    values[':from'] = query.from ?? '0';
    // '~' sorts after every character of an ISO instant and an event id.
    values[':to'] = `${query.to ?? '9999'}~`;
    condition += ' AND #sk BETWEEN :from AND :to';
  }
  do {
    const out = await ddb().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ExclusiveStartKey: cursor,
        ...(query.limit ? { Limit: query.limit - events.length } : {}),
      }),
    );
    events.push(...(out.Items ?? []).map(toAuditEvent));
    cursor = out.LastEvaluatedKey;
  } while (cursor && (!query.limit || events.length < query.limit));
  return events;
}
